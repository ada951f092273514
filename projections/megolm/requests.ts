/**
 * Our own key requests (`request_room_key` user actions): a forwarded key is accepted only
 * for a session we asked for, once.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import type { EntryOf } from '../../events/entry.js';
import { RequestRoomKeyAction } from '../../events/user-actions.js';
import { hmSet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import { subject } from '../decision.js';
import { record } from './decide.js';
import { ANY_SENDER, sessionKey, type MegolmState } from './state.js';

export function foldUserAction(state: MegolmState, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  if (entry.payload.action !== 'request_room_key') return;
  const decoded = decodeWith(RequestRoomKeyAction, entry.payload);
  if (!isRight(decoded)) return; // the envelope codec refused such input already
  const a = decoded.right;
  // A new request for the same session replaces the old one and opens it again.
  const senderKey = a.sender_key ?? ANY_SENDER;
  hmSet(state.requests, sessionKey(a.room_id, senderKey, a.session_id), { requestId: a.request_id ?? null, seq: entry.seq, fulfilledSeq: null });
  record(ctx, 'room_key.requested', subject('session', a.room_id, senderKey, a.session_id), [], { request_id: a.request_id ?? null, room_id: a.room_id, session_id: a.session_id });
}
