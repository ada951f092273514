/**
 * Why a room event cannot be decrypted ("UTD"), from what the ledger knows about its
 * session: modelled on matrix-sdk-crypto's `UtdCause`, answered with the entry it rests on.
 */
import type { MegolmFailure } from '../../events/facts.js';
import { hmPeek } from '../hashmap.js';
import { roomSessionKey, sessionKey, type MegolmState, type SessionRecord, type SessionRejection, ANY_SENDER } from './state.js';

/** The causes, most specific first. */
export type UtdCauseName =
  /** Nothing stands in the way: the session is stored and the index is known. */
  | 'decryptable'
  /** No session, and nothing said about it. */
  | 'no_session'
  /** The session is stored, from a later index than the message's. */
  | 'unknown_index'
  /** The sender said it withholds the key (`detail.code`, e.g. `m.unverified`, `m.no_olm`). */
  | 'withheld'
  /** A key for it came and was refused (`detail.code` is that decision's code). */
  | 'session_rejected'
  | 'bad_ciphertext'
  | 'bad_plaintext'
  /** The event is not encrypted with Megolm. */
  | 'unknown_algorithm'
  // Decrypted, but the plaintext is withheld from the caller (`decryptRoomEvent`):
  /** The event's `sender` does not own the session (`megolm.sender_mismatch`, CVE-2025-48937). */
  | 'sender_mismatch'
  /** The session's message index was decrypted before for another event (`megolm.replayed_index`). */
  | 'replayed_index'
  /** The plaintext names another room (`megolm.room_mismatch`). */
  | 'room_mismatch'
  /** The sender device is below the caller's decryption trust requirement (`detail.requirement`, `detail.reason`). */
  | 'below_trust_requirement';

/** A cause, small details for humans, and the entry it rests on (-1: none). */
export interface UtdCause {
  readonly cause: UtdCauseName;
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
  readonly seq: number;
}

/** The session an event names, as ingestion finds it (`megolmSessionForEvent`). */
export function sessionForEvent(state: MegolmState, roomId: string, senderKey: string | undefined, sessionId: string): SessionRecord | undefined {
  if (senderKey !== undefined) return hmPeek(state.sessions, sessionKey(roomId, senderKey, sessionId));
  const keys = hmPeek(state.bySessionId, roomSessionKey(roomId, sessionId));
  return keys !== undefined && keys.length === 1 ? hmPeek(state.sessions, sessionKey(roomId, keys[0]!, sessionId)) : undefined;
}

/**
 * The last refused key that can be the key of an event of (room, sender key, session): one
 * refused for that very sender key. For an event that names no sender key, the latest
 * refusal under any sender key for that session ID (one that named none is never noted).
 */
export function rejectionFor(state: MegolmState, roomId: string, senderKey: string | undefined, sessionId: string): SessionRejection | undefined {
  if (senderKey !== undefined) return hmPeek(state.rejections, sessionKey(roomId, senderKey, sessionId));
  let latest: SessionRejection | undefined;
  for (const key of hmPeek(state.rejectedSenderKeys, roomSessionKey(roomId, sessionId)) ?? []) {
    const r = hmPeek(state.rejections, sessionKey(roomId, key, sessionId));
    if (r !== undefined && (latest === undefined || r.seq > latest.seq)) latest = r;
  }
  return latest;
}

/** Why (room, sender key?, session, index?) cannot be decrypted; `reported` is what ingestion saw, if known. */
export function utdCauseOf(
  state: MegolmState, roomId: string, senderKey: string | undefined, sessionId: string, messageIndex: number | null, reported?: MegolmFailure,
): UtdCause {
  const session = sessionForEvent(state, roomId, senderKey, sessionId);
  if (reported === 'bad_ciphertext' || reported === 'bad_plaintext') return { cause: reported, detail: {}, seq: session?.keySeq ?? -1 };
  // Tied to the session's own sender key when it is stored: a refusal for another key is not about it.
  const rejection = rejectionFor(state, roomId, session?.senderKey ?? senderKey, sessionId);
  const lastRejection = { rejected_code: rejection?.code ?? null, rejected_at: rejection?.seq ?? null };
  if (session !== undefined) {
    if ((messageIndex !== null && messageIndex < session.firstKnownIndex) || reported === 'unknown_index') {
      const withheld = hmPeek(state.withheld, roomSessionKey(roomId, sessionId));
      return {
        cause: 'unknown_index',
        detail: { first_known_index: session.firstKnownIndex, message_index: messageIndex, withheld_code: withheld?.code ?? null, ...lastRejection },
        seq: session.keySeq,
      };
    }
    if (reported === 'no_session') return { cause: 'no_session', detail: { stored_but_not_found: true }, seq: session.keySeq };
    return { cause: 'decryptable', detail: { first_known_index: session.firstKnownIndex }, seq: session.keySeq };
  }
  // No session: the latest thing said about it explains it best.
  const matches = (key: string | null) => senderKey === undefined || key === null || key === senderKey;
  const withheld = hmPeek(state.withheld, roomSessionKey(roomId, sessionId));
  const noOlm = senderKey === undefined ? undefined : hmPeek(state.noOlm, senderKey);
  let best: UtdCause | undefined;
  const consider = (c: UtdCause) => { if (best === undefined || c.seq > best.seq) best = c; };
  if (rejection !== undefined) consider({ cause: 'session_rejected', detail: { code: rejection.code }, seq: rejection.seq });
  for (const w of [withheld, noOlm]) {
    if (w !== undefined && matches(w.senderKey)) consider({ cause: 'withheld', detail: { code: w.code, reason: w.reason, over_olm: w.overOlm }, seq: w.seq });
  }
  if (best !== undefined) return best;
  const request = (senderKey === undefined ? undefined : hmPeek(state.requests, sessionKey(roomId, senderKey, sessionId))) ?? hmPeek(state.requests, sessionKey(roomId, ANY_SENDER, sessionId));
  return { cause: 'no_session', detail: { requested: request !== undefined, request_id: request?.requestId ?? null }, seq: request?.seq ?? -1 };
}
