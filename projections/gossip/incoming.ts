/**
 * Requests other devices send us: `m.room_key_request` and `m.secret.request`. We answer
 * only a verified device of our own user, asking for a session or a secret we hold; the
 * answer is owed (`answersDue`) until the outbound path sends it.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import { RoomKeyRequestContent } from '../../events/key-request.js';
import { MEGOLM_V1 } from '../../events/megolm.js';
import { SecretRequestContent } from '../../events/secrets.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmDelete, hmPeek, hmSet } from '../hashmap.js';
import { deviceRecord, deviceTrust, isOwnVerifiedDevice, ownDevice } from '../identities/selectors.js';
import { megolmSessionForEvent } from '../megolm/selectors.js';
import type { ReduceContext } from '../slice.js';
import { gossipCodes } from './codes.js';
import { heldSecret } from './selectors.js';
import { incomingKey, MAX_ANSWERS_DUE, type AnswerDue, type GossipState } from './state.js';

const record = recorderFor(gossipCodes);

/** Who sent a request: the event's sender (the server's word, or the Olm payload's checked one). */
export interface Requester {
  sender: string;
  /** The entry the request arrived in (the `to_device` input, or the `olm_decrypted` fact). */
  seq: number;
}

/** The requester's standing, and what it rests on. */
function standing(ctx: ReduceContext, userId: string, deviceId: string): { level: 'other_user' | 'unverified' | 'verified'; listed: boolean; because: number[] } {
  const me = ownDevice(ctx.root);
  if (me === null || userId !== me.userId) return { level: 'other_user', listed: false, because: [] };
  const device = deviceRecord(ctx.root, userId, deviceId);
  const listed = device !== undefined && device.deleted === null;
  const because = device === undefined ? [] : [device.addedSeq, deviceTrust(ctx.root, userId, deviceId).seq];
  return { level: listed && isOwnVerifiedDevice(ctx.root, userId, deviceId) ? 'verified' : 'unverified', listed, because };
}

function owe(state: GossipState, answer: AnswerDue): void {
  const key = incomingKey(answer.userId, answer.deviceId, answer.requestId);
  if (hmPeek(state.answersDue, key) === undefined && state.answersDue.count >= MAX_ANSWERS_DUE) return;
  hmSet(state.answersDue, key, answer);
}

/** A cancellation: the answer we still owe for the same request ID and device is dropped. */
function cancel(state: GossipState, ctx: ReduceContext, who: Requester, deviceId: string, requestId: string, kind: 'key' | 'secret'): void {
  const key = incomingKey(who.sender, deviceId, requestId);
  const owed = hmPeek(state.answersDue, key);
  if (owed === undefined || (kind === 'secret') !== (owed.what === 'secret_send')) return;
  hmDelete(state.answersDue, key);
  record(ctx, kind === 'key' ? 'key_request.cancelled' : 'secret_request.cancelled', subject('device', who.sender, deviceId), earlier(who.seq, owed.seq), { request_id: requestId });
}

/** An `m.room_key_request` (content not decoded yet: a bad one is ignored, the envelope codec logged it). */
export function foldKeyRequest(state: GossipState, ctx: ReduceContext, who: Requester, content: unknown): void {
  const decoded = decodeWith(RoomKeyRequestContent, content);
  if (!isRight(decoded)) return;
  const c = decoded.right;
  const me = ownDevice(ctx.root);
  // Our own request, echoed back to us (a request to every device of the user).
  if (me !== null && who.sender === me.userId && c.requesting_device_id === me.deviceId) return;
  if (c.action === 'request_cancellation') return cancel(state, ctx, who, c.requesting_device_id, c.request_id, 'key');
  const about = subject('device', who.sender, c.requesting_device_id);
  const { room_id: roomId, session_id: sessionId, algorithm } = c.body;
  const detail = { request_id: c.request_id, room_id: roomId, session_id: sessionId };
  const s = standing(ctx, who.sender, c.requesting_device_id);
  if (s.level === 'other_user') return record(ctx, 'key_request.other_user', about, [], detail);
  if (s.level === 'unverified') {
    record(ctx, 'key_request.unverified_device', about, earlier(who.seq, ...s.because), { ...detail, listed: s.listed });
    if (s.listed) owe(state, { what: 'room_key_withheld', userId: who.sender, deviceId: c.requesting_device_id, requestId: c.request_id, seq: who.seq, roomId, senderKey: c.body.sender_key ?? null, sessionId, withheld: 'm.unverified' });
    return;
  }
  const session = algorithm === MEGOLM_V1 ? megolmSessionForEvent(ctx.root, roomId, c.body.sender_key, sessionId) : undefined;
  if (session === undefined) {
    record(ctx, 'key_request.unknown_session', about, earlier(who.seq, ...s.because), { ...detail, algorithm });
    owe(state, { what: 'room_key_withheld', userId: who.sender, deviceId: c.requesting_device_id, requestId: c.request_id, seq: who.seq, roomId, senderKey: c.body.sender_key ?? null, sessionId, withheld: 'm.unavailable' });
    return;
  }
  record(ctx, 'key_request.shared', about, earlier(who.seq, ...s.because, session.source.seq), { ...detail, first_known_index: session.firstKnownIndex });
  owe(state, { what: 'forwarded_room_key', userId: who.sender, deviceId: c.requesting_device_id, requestId: c.request_id, seq: who.seq, roomId, senderKey: session.senderKey, sessionId });
}

/** An `m.secret.request`. */
export function foldSecretRequest(state: GossipState, ctx: ReduceContext, who: Requester, content: unknown): void {
  const decoded = decodeWith(SecretRequestContent, content);
  if (!isRight(decoded)) return;
  const c = decoded.right;
  const me = ownDevice(ctx.root);
  if (me !== null && who.sender === me.userId && c.requesting_device_id === me.deviceId) return;
  if (c.action === 'request_cancellation') return cancel(state, ctx, who, c.requesting_device_id, c.request_id, 'secret');
  const about = subject('device', who.sender, c.requesting_device_id);
  const detail = { request_id: c.request_id, name: c.name };
  const s = standing(ctx, who.sender, c.requesting_device_id);
  if (s.level === 'other_user') return record(ctx, 'secret_request.other_user', about, [], detail);
  if (s.level === 'unverified') return record(ctx, 'secret_request.unverified_device', about, earlier(who.seq, ...s.because), { ...detail, listed: s.listed });
  const held = heldSecret(ctx.root, c.name, state);
  if (held === undefined) return record(ctx, 'secret_request.unknown_secret', about, earlier(who.seq, ...s.because), detail);
  record(ctx, 'secret_request.shared', about, earlier(who.seq, ...s.because, held.seq), detail);
  owe(state, { what: 'secret_send', userId: who.sender, deviceId: c.requesting_device_id, requestId: c.request_id, seq: who.seq, name: c.name });
}
