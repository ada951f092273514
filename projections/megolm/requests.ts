/**
 * Our own key requests (`request_room_key` user actions): a forwarded key is accepted only
 * for a session we asked for, once.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import type { EntryOf } from '../../events/entry.js';
import type { GossipSentPayload } from '../../events/gossip.js';
import { RequestRoomKeyAction, SendRoomKeyRequestAction } from '../../events/user-actions.js';
import { hmDelete, hmGet, hmPeek, hmSet } from '../hashmap.js';
import { ownVerifiedDevices } from '../gossip/own-devices.js';
import type { ReduceContext } from '../slice.js';
import { subject } from '../decision.js';
import { record } from './decide.js';
import { ANY_SENDER, sessionKey, type KeyRequestRecord, type MegolmState } from './state.js';

export function foldUserAction(state: MegolmState, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  if (entry.payload.action === 'send_room_key_request') return foldSendRequest(state, entry, ctx);
  if (entry.payload.action !== 'request_room_key') return;
  const decoded = decodeWith(RequestRoomKeyAction, entry.payload);
  if (!isRight(decoded)) return; // the envelope codec refused such input already
  const a = decoded.right;
  // A new request for the same session replaces the old one and opens it again.
  const senderKey = a.sender_key ?? ANY_SENDER;
  hmSet(state.requests, sessionKey(a.room_id, senderKey, a.session_id), { requestId: a.request_id ?? null, seq: entry.seq, fulfilledSeq: null, asked: null, cancelledSeq: null });
  record(ctx, 'room_key.requested', subject('session', a.room_id, senderKey, a.session_id), [], { request_id: a.request_id ?? null, room_id: a.room_id, session_id: a.session_id });
}

/**
 * `requestRoomKey`: the request goes to our own verified devices as they stand now, and
 * only those may answer it. With none, nothing is sent and nothing is recorded: a forward
 * for the session is then unrequested.
 */
function foldSendRequest(state: MegolmState, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const decoded = decodeWith(SendRoomKeyRequestAction, entry.payload);
  if (!isRight(decoded)) return;
  const a = decoded.right;
  const senderKey = a.sender_key ?? ANY_SENDER;
  const about = subject('session', a.room_id, senderKey, a.session_id);
  const asked = ownVerifiedDevices(ctx.root);
  if (asked.length === 0) {
    return record(ctx, 'room_key.request_no_device', about, [], { request_id: a.request_id, room_id: a.room_id, session_id: a.session_id });
  }
  hmSet(state.requests, sessionKey(a.room_id, senderKey, a.session_id), { requestId: a.request_id, seq: entry.seq, fulfilledSeq: null, asked, cancelledSeq: null });
  record(ctx, 'room_key.requested', about, [], {
    request_id: a.request_id, room_id: a.room_id, session_id: a.session_id, devices: asked.map((d) => d.deviceId).join(' '),
  });
}

/** A forward answered a request the ledger sent: the other devices are told to stop. */
export function cancellationDue(state: MegolmState, request: KeyRequestRecord, key: string): void {
  if (request.asked !== null && request.requestId !== null && request.cancelledSeq === null) hmSet(state.cancellationsDue, request.requestId, key);
}

/** The outbound path sent a request's cancellation. */
export function foldGossipSent(state: MegolmState, entry: EntryOf<'gossip_sent'>): void {
  const p: GossipSentPayload = entry.payload;
  if (p.what !== 'room_key_request_cancellation') return;
  const key = hmPeek(state.cancellationsDue, p.request_id);
  if (key === undefined) return;
  hmDelete(state.cancellationsDue, p.request_id);
  const request = hmGet(state.requests, key);
  if (request !== undefined) request.cancelledSeq = entry.seq;
}
