/**
 * Our Megolm sessions as a key export file's `ExportedSessionData` list: each key read
 * from the vault (at its first known index), never logged.
 */
import { hmEntries } from '../../projections/hashmap.js';
import type { MegolmState } from '../../projections/megolm/state.js';
import type { Vault } from '../crypto/vault.js';
import { megolmVaultKey } from '../ingest/megolm-keys.js';
import type { LedgerState } from '../runtime/projector.js';
import type { ExportedSession } from './key-export.js';

export async function exportedSessions(state: LedgerState, vault: Vault): Promise<ExportedSession[]> {
  const megolm = state['megolm'] as MegolmState;
  const out: ExportedSession[] = [];
  for (const [, s] of hmEntries(megolm.sessions)) {
    const record = await vault.get(megolmVaultKey(s.keySeq));
    if (record === undefined) continue;
    const { exported } = JSON.parse(record) as { exported: string };
    out.push({
      algorithm: 'm.megolm.v1.aes-sha2',
      forwarding_curve25519_key_chain: s.forwardingChain ?? [],
      room_id: s.roomId,
      sender_key: s.senderKey,
      sender_claimed_keys: s.claimedEd25519 !== null ? { ed25519: s.claimedEd25519 } : {},
      session_id: s.sessionId,
      session_key: exported,
    });
  }
  return out;
}
