/**
 * What a `keys_backup` request carries: each session the current backup lacks, as
 * `KeyBackupData` whose `session_data` is the `BackedUpSessionData` encrypted to the
 * backup's public key. Keys are read from the vault; nothing here is logged but the
 * ciphertext.
 */
import type { BackedUpSessionRef, KeysBackupRequestBody } from '../../events/outbound.js';
import { sessionsToBackUp } from '../../projections/backup/selectors.js';
import type { Vault } from '../crypto/vault.js';
import type { Staged } from '../ingest/restore.js';
import { megolmVaultKey } from '../ingest/megolm-keys.js';
import type { LedgerState } from '../runtime/projector.js';

type Encrypt = (publicKey: string, plaintext: string) => { ephemeral: string; mac: string; ciphertext: string };

export async function backupUpload(state: LedgerState, vault: Vault, version: string, publicKey: string, max: number, encrypt: Encrypt): Promise<Staged & { kind: 'upload' }> {
  const rooms: Record<string, { sessions: Record<string, unknown> }> = {};
  const sessions: BackedUpSessionRef[] = [];
  for (const s of sessionsToBackUp(state, max)) {
    const record = await vault.get(megolmVaultKey(s.keySeq));
    if (record === undefined) continue;
    const { exported } = JSON.parse(record) as { exported: string };
    const data = {
      algorithm: 'm.megolm.v1.aes-sha2',
      forwarding_curve25519_key_chain: s.forwardingChain ?? [],
      sender_key: s.senderKey,
      sender_claimed_keys: s.claimedEd25519 !== null ? { ed25519: s.claimedEd25519 } : {},
      session_key: exported,
    };
    (rooms[s.roomId] ??= { sessions: {} }).sessions[s.sessionId] = {
      first_message_index: s.firstKnownIndex,
      forwarded_count: s.forwardingChain?.length ?? 0,
      is_verified: s.authenticity === 'authenticated',
      session_data: encrypt(publicKey, JSON.stringify(data)),
    };
    sessions.push({ room_id: s.roomId, sender_key: s.senderKey, session_id: s.sessionId, key_seq: s.keySeq });
  }
  const body: KeysBackupRequestBody = { rooms };
  return { kind: 'upload', version, publicKey, body, sessions };
}
