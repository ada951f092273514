/**
 * Sessions from a trusted key backup (`room_key_restored`, source `backup`) or a key
 * export file (source `import`): trusted sources, never authenticated (neither proves who
 * created the session). Checked as any key is (olm imported it, its ID is its key's) and
 * offered to the store, which applies the update rules to a session we already hold.
 */
import type { EntryOf } from '../../events/entry.js';
import type { ReduceContext } from '../slice.js';
import { offer, refuse, type SessionRef } from './store.js';
import type { MegolmState } from './state.js';

export function foldRestoredKey(state: MegolmState, entry: EntryOf<'room_key_restored'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const ref: SessionRef = { roomId: p.room_id, senderKey: p.sender_key, sessionId: p.session_id };
  const because = [p.input_seq];
  const key = p.room_key;
  const detail = { source: p.source, version: p.version };
  if (p.sender_key === null || key === null || key.session_id === null || key.first_known_index === null || key.commitment === null) {
    return refuse(state, ctx, entry, 'room_key.not_imported', ref, because, { ...detail, error: p.error ?? key?.error ?? 'not a valid session' });
  }
  if (key.session_id !== p.session_id) {
    return refuse(state, ctx, entry, 'room_key.session_id_mismatch', ref, because, { ...detail, real_session_id: key.session_id });
  }
  offer(state, ctx, entry, {
    ...ref,
    senderKey: p.sender_key,
    firstKnownIndex: key.first_known_index,
    commitment: key.commitment,
    advanced: key.advanced,
    source: { type: p.source, userId: null, deviceId: null, viaCurveKey: null, seq: entry.seq },
    authenticity: 'unauthenticated',
    claimedEd25519: p.sender_claimed_ed25519,
    ownerUserId: null,
    forwardingChain: [...p.forwarding_chain],
    acceptCode: p.source === 'backup' ? 'room_key.restored' : 'room_key.imported',
    because,
    detail,
  });
}
