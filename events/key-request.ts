/**
 * `m.room_key_request`: asking our other devices for a Megolm session, and cancelling
 * the request. Dispatched by `action` so an error points into the variant the event
 * claims to be.
 */
import * as t from 'io-ts';
import { dispatchOn } from './codec.js';

/**
 * The session asked for. `sender_key` is deprecated and must not be used to find the
 * session; `algorithm` is not restricted here, the gossip rules answer it.
 */
export const RequestedKeyInfo = t.intersection([
  t.type({ algorithm: t.string, room_id: t.string, session_id: t.string }),
  t.partial({ sender_key: t.string }),
], 'RequestedKeyInfo');
export type RequestedKeyInfo = t.TypeOf<typeof RequestedKeyInfo>;

/** `action: "request"`: the requested session is in `body`. */
export const RoomKeyRequest = t.type({
  action: t.literal('request'),
  body: RequestedKeyInfo,
  requesting_device_id: t.string,
  request_id: t.string,
}, 'RoomKeyRequest');
export type RoomKeyRequest = t.TypeOf<typeof RoomKeyRequest>;

/** `action: "request_cancellation"`: withdraws the request with the same `request_id`. */
export const RoomKeyRequestCancellation = t.type({
  action: t.literal('request_cancellation'),
  requesting_device_id: t.string,
  request_id: t.string,
}, 'RoomKeyRequestCancellation');
export type RoomKeyRequestCancellation = t.TypeOf<typeof RoomKeyRequestCancellation>;

/** Any `m.room_key_request` content; an unknown `action` fails as `unknown action "x"`. */
export const RoomKeyRequestContent = dispatchOn('RoomKeyRequestContent', {
  key: 'action',
  branches: { request: RoomKeyRequest, request_cancellation: RoomKeyRequestCancellation },
});
export type RoomKeyRequestContent = t.TypeOf<typeof RoomKeyRequestContent>;
