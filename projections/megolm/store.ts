/**
 * Storing a session key: a new session is taken; a key for a stored session is an update,
 * taken only with a lower first known index, of the same ratchet (whether its source may
 * update a session at all was judged before: `forwarded.ts` for forwarded keys). The one
 * exception to "lower": the creator's own key at the same index authenticates a session
 * held only unauthenticated. Every refusal is noted under the session it names, so "why
 * can't I decrypt?" has an answer.
 */
import type { LedgerEntry } from '../../events/entry.js';
import { subject, type Subject } from '../decision.js';
import { hmGet, hmPeek, hmSet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import type { MegolmCode } from './codes.js';
import { earlier, record } from './decide.js';
import { MAX_REJECTED_SENDER_KEYS, roomSessionKey, sessionKey, type MegolmState, type SessionAuthenticity, type SessionRecord } from './state.js';

type Detail = Record<string, string | number | boolean | null>;
/** Seqs a decision rests on; missing ones (undefined, null, negative) are left out. */
type Because = readonly (number | null | undefined)[];

/** How many history entries a session keeps (the first and the latest). */
export const MAX_HISTORY = 32;

/** Where a refused or offered key belongs: the session it names. */
export interface SessionRef {
  roomId: string;
  /** Null when the key names none (a plaintext `m.room_key` has no Olm sender key). */
  senderKey: string | null;
  sessionId: string;
}

/** A key that passed the intake checks of its kind, offered to the store. */
export interface OfferedKey extends SessionRef {
  senderKey: string;
  firstKnownIndex: number;
  commitment: string;
  /** The key advanced to the stored session's first index (see RoomKeyFacts.advanced). */
  advanced: { index: number; commitment: string } | null;
  source: SessionRecord['source'];
  authenticity: SessionAuthenticity;
  claimedEd25519: string | null;
  ownerUserId: string | null;
  forwardingChain: string[] | null;
  /** The code that accepts a new session of this kind. */
  acceptCode: 'room_key.accepted' | 'forwarded_key.accepted' | 'room_key.own' | 'room_key.restored' | 'room_key.imported';
  because: Because;
  detail: Detail;
}

/** `session <room> <sender key> <session>`, or `input <seq>` when the key names no sender key. */
export function sessionSubject(ref: SessionRef, entry: LedgerEntry): Subject {
  return ref.senderKey === null ? subject('input', entry.seq) : subject('session', ref.roomId, ref.senderKey, ref.sessionId);
}

/** Refuses a key: the decision, the session's last rejection, and the stored session's history. */
export function refuse(state: MegolmState, ctx: ReduceContext, entry: LedgerEntry, code: MegolmCode, ref: SessionRef, because: Because, detail: Detail): void {
  noteRejection(state, ref, entry.seq, code);
  const stored = ref.senderKey === null ? undefined : sessionToChange(state, sessionKey(ref.roomId, ref.senderKey, ref.sessionId));
  if (stored !== undefined) pushHistory(stored, { seq: entry.seq, outcome: 'rejected', code, firstKnownIndex: typeof detail['first_known_index'] === 'number' ? detail['first_known_index'] : null });
  record(ctx, code, sessionSubject(ref, entry), earlier(entry.seq, ...because, stored?.keySeq), { room_id: ref.roomId, session_id: ref.sessionId, ...detail });
}

/**
 * Notes a refusal under the session it names, so it can explain that session's events and
 * no other's. A key that names no room, session or sender key is the key of no event:
 * the decision alone records it (a plaintext `m.room_key` naming a real session ID must
 * not become the reason that session's genuine messages cannot be read).
 */
function noteRejection(state: MegolmState, ref: SessionRef, seq: number, code: MegolmCode): void {
  if (ref.roomId === '' || ref.sessionId === '' || ref.senderKey === null) return;
  hmSet(state.rejections, sessionKey(ref.roomId, ref.senderKey, ref.sessionId), { seq, code, senderKey: ref.senderKey });
  const bySession = roomSessionKey(ref.roomId, ref.sessionId);
  const keys = (hmGet(state.rejectedSenderKeys, bySession) ?? []).filter((k) => k !== ref.senderKey);
  keys.push(ref.senderKey);
  hmSet(state.rejectedSenderKeys, bySession, keys.slice(-MAX_REJECTED_SENDER_KEYS));
}

/**
 * A stored session, to be changed. A record stored earlier in the same fold is still the
 * frozen object `offer` made (no draft of it exists yet): it is replaced by a copy, which
 * is changed instead. Records of earlier folds come back as drafts, as `hmGet` gives them.
 */
export function sessionToChange(state: MegolmState, id: string): SessionRecord | undefined {
  const stored = hmGet(state.sessions, id);
  if (stored === undefined || !Object.isFrozen(stored)) return stored;
  const copy: SessionRecord = { ...stored };
  hmSet(state.sessions, id, copy);
  return copy;
}

/** Stores a new session, or applies the update rules to a stored one. True when the key was taken. */
export function offer(state: MegolmState, ctx: ReduceContext, entry: LedgerEntry, key: OfferedKey): boolean {
  const id = sessionKey(key.roomId, key.senderKey, key.sessionId);
  // Peeked first: a new session (most keys, and every key of a restore into an empty
  // store) drafts nothing but the path `hmSet` writes; a stored one is drafted to change it.
  const stored = hmPeek(state.sessions, id) === undefined ? undefined : sessionToChange(state, id);
  const detail: Detail = { ...key.detail, first_known_index: key.firstKnownIndex, authenticity: key.authenticity };
  if (stored === undefined) {
    // Frozen: immer walks every new object put into a draft when the fold ends (looking
    // for drafts inside it), which was the largest cost of folding a restore of thousands
    // of sessions; a frozen record is skipped. `sessionToChange` copies it to change it.
    hmSet(state.sessions, id, Object.freeze<SessionRecord>({
      roomId: key.roomId,
      senderKey: key.senderKey,
      sessionId: key.sessionId,
      firstKnownIndex: key.firstKnownIndex,
      commitment: key.commitment,
      keySeq: entry.seq,
      source: key.source,
      authenticity: key.authenticity,
      claimedEd25519: key.claimedEd25519,
      history: [{ seq: entry.seq, outcome: 'accepted', code: key.acceptCode, firstKnownIndex: key.firstKnownIndex }],
      historyDropped: 0,
      ownerUserId: key.ownerUserId,
      forwardingChain: key.forwardingChain,
    }));
    const bySession = roomSessionKey(key.roomId, key.sessionId);
    const seen = hmPeek(state.bySessionId, bySession);
    if (seen === undefined) hmSet(state.bySessionId, bySession, [key.senderKey]);
    else if (!seen.includes(key.senderKey)) hmGet(state.bySessionId, bySession)!.push(key.senderKey);
    record(ctx, key.acceptCode, sessionSubject(key, entry), earlier(entry.seq, ...key.because), { room_id: key.roomId, session_id: key.sessionId, ...detail });
    return true;
  }
  const was = { stored_first_known_index: stored.firstKnownIndex, stored_authenticity: stored.authenticity };
  const authenticRoomKey = key.source.type === 'room_key' && key.authenticity === 'authenticated';
  if (authenticRoomKey && stored.authenticity === 'unauthenticated' && key.firstKnownIndex === stored.firstKnownIndex) {
    return authenticate(state, ctx, entry, key, stored, { ...detail, ...was });
  }
  if (key.firstKnownIndex >= stored.firstKnownIndex) {
    refuse(state, ctx, entry, 'session_update.not_lower_index', key, key.because, { ...detail, ...was, same_key: key.commitment === stored.commitment });
    return false;
  }
  // Beyond the spec: the lower-index key must run forward to exactly the stored key.
  const advanced = key.advanced;
  if (advanced === null || advanced.index !== stored.firstKnownIndex || advanced.commitment !== stored.commitment) {
    refuse(state, ctx, entry, 'session_update.unconnected', key, key.because, { ...detail, ...was, advanced_to: advanced?.index ?? null });
    return false;
  }
  const previousKeySeq = stored.keySeq;
  stored.firstKnownIndex = key.firstKnownIndex;
  stored.commitment = key.commitment;
  stored.keySeq = entry.seq;
  stored.source = key.source;
  stored.forwardingChain = key.forwardingChain;
  if (authenticRoomKey) {
    stored.authenticity = 'authenticated';
    stored.claimedEd25519 = key.claimedEd25519;
    stored.ownerUserId = key.ownerUserId;
  }
  stored.ownerUserId ??= key.ownerUserId;
  pushHistory(stored, { seq: entry.seq, outcome: 'accepted', code: 'session_update.accepted', firstKnownIndex: key.firstKnownIndex });
  record(ctx, 'session_update.accepted', sessionSubject(key, entry), earlier(entry.seq, ...key.because, previousKeySeq), {
    room_id: key.roomId, session_id: key.sessionId, ...detail, ...was, authenticity: stored.authenticity,
  });
  return true;
}

/**
 * The creator's own `m.room_key`, at the index of a session we hold only unauthenticated
 * (forwarded, backed up, imported): no lower, but it is what the stored copy lacked, proof
 * of whose session it is. Taken only if it is the very same key (at one index, the same
 * ratchet is the same commitment); a different key under the same ID is another ratchet.
 */
function authenticate(state: MegolmState, ctx: ReduceContext, entry: LedgerEntry, key: OfferedKey, stored: SessionRecord, detail: Detail): boolean {
  if (key.commitment !== stored.commitment) {
    refuse(state, ctx, entry, 'session_update.unconnected', key, key.because, { ...detail, advanced_to: null, same_index: true });
    return false;
  }
  const previous = { keySeq: stored.keySeq, source: stored.source.type };
  stored.keySeq = entry.seq;
  stored.source = key.source;
  stored.forwardingChain = key.forwardingChain;
  stored.authenticity = 'authenticated';
  stored.claimedEd25519 = key.claimedEd25519;
  stored.ownerUserId = key.ownerUserId;
  pushHistory(stored, { seq: entry.seq, outcome: 'accepted', code: 'session_update.authenticated', firstKnownIndex: key.firstKnownIndex });
  record(ctx, 'session_update.authenticated', sessionSubject(key, entry), earlier(entry.seq, ...key.because, previous.keySeq), {
    room_id: key.roomId, session_id: key.sessionId, ...detail, previous_source: previous.source, authenticity: 'authenticated',
  });
  return true;
}

function pushHistory(session: SessionRecord, item: SessionRecord['history'][number]): void {
  session.history.push(item);
  if (session.history.length > MAX_HISTORY) {
    session.history.splice(1, 1);
    session.historyDropped++;
  }
}
