/**
 * Room events decrypted (or not) at ingestion: the sender must own the session's sender
 * key, the plaintext must name this room, a message index is decrypted for one event only,
 * and a failure says why.
 */
import type { EntryOf, LedgerEntry } from '../../events/entry.js';
import type { MegolmDecryptedPayload } from '../../events/facts.js';
import { MEGOLM_V1 } from '../../events/megolm.js';
import { subject } from '../decision.js';
import { hmPeek } from '../hashmap.js';
import { deviceByCurveKey, deviceRecord } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import { earlier, record } from './decide.js';
import { addSighting, sessionKey, sightingAt, type MegolmState } from './state.js';
import { utdCauseOf } from './utd.js';

/** An `m.room.encrypted` room event that is not Megolm: ingestion derives nothing from it. */
export function foldRoomEvent(entry: EntryOf<'room_event'>, ctx: ReduceContext): void {
  const { event, room_id: roomId } = entry.payload;
  if (event.type !== 'm.room.encrypted') return;
  const algorithm = (event.content as { algorithm?: unknown }).algorithm;
  if (algorithm === MEGOLM_V1) return;
  record(ctx, 'megolm.undecryptable', subject('event', event.event_id), [], {
    cause: 'unknown_algorithm', algorithm: typeof algorithm === 'string' ? algorithm : null, room_id: roomId, sender: event.sender,
  });
}

export function foldMegolmDecrypted(state: MegolmState, entry: EntryOf<'megolm_decrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  judgeDecrypted(state, entry, p, ctx);
}

/** The rules on a decrypted room event; false when one refused it. */
function judgeDecrypted(state: MegolmState, entry: LedgerEntry, p: MegolmDecryptedPayload, ctx: ReduceContext): boolean {
  // The subject and the detail are made only for a refusal: a clean event (nearly every
  // one) allocates nothing it does not keep.
  const about = () => subject('event', p.event_id);
  const where = () => ({ room_id: p.room_id, sender_key: p.sender_key, session_id: p.session_id, message_index: p.message_index });
  const id = sessionKey(p.room_id, p.sender_key, p.session_id);
  const session = hmPeek(state.sessions, id);
  if (session === undefined) {
    record(ctx, 'megolm.session_not_accepted', about(), earlier(entry.seq, p.input_seq, p.key_seq), where());
    return false;
  }
  // CVE-2025-48937: the sender key's owner per /keys/query, else the user whose validated
  // Olm payload delivered the session; a forwarded session of an unknown device has none.
  const known = deviceByCurveKey(ctx.root, p.sender_key);
  const owner = known?.userId ?? session.ownerUserId;
  if (owner !== null && owner !== p.sender) {
    const listed = known === undefined ? undefined : deviceRecord(ctx.root, known.userId, known.deviceId)?.addedSeq;
    record(ctx, 'megolm.sender_mismatch', about(), earlier(entry.seq, p.input_seq, session.source.seq, listed), {
      ...where(), sender: p.sender, key_owner: owner, owner_from: known !== undefined ? 'keys_query' : 'room_key',
    });
    return false;
  }
  if (p.plaintext_room_id !== p.room_id) {
    record(ctx, 'megolm.room_mismatch', about(), earlier(entry.seq, p.input_seq, session.keySeq), { ...where(), plaintext_room_id: p.plaintext_room_id });
    return false;
  }
  const first = sightingAt(state.sightings, id, p.message_index);
  if (first === undefined) {
    addSighting(state.sightings, id, p.message_index, { eventId: p.event_id, originServerTs: p.origin_server_ts, seq: entry.seq });
    return true;
  }
  // The same event decrypted again is normal processing, not a replay.
  if (first.eventId === p.event_id && first.originServerTs === p.origin_server_ts) return true;
  record(ctx, 'megolm.replayed_index', about(), earlier(entry.seq, first.seq, p.input_seq), {
    ...where(), first_event_id: first.eventId, first_origin_server_ts: first.originServerTs, origin_server_ts: p.origin_server_ts,
  });
  return false;
}

export function foldMegolmUndecryptable(state: MegolmState, entry: EntryOf<'megolm_undecryptable'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const why = utdCauseOf(state, p.room_id, p.sender_key ?? undefined, p.session_id, p.message_index, p.reason);
  record(ctx, 'megolm.undecryptable', subject('event', p.event_id), earlier(entry.seq, p.input_seq, why.seq), {
    cause: why.cause, reason: p.reason, room_id: p.room_id, session_id: p.session_id, sender_key: p.sender_key, message_index: p.message_index, ...why.detail,
  });
}
