/**
 * Which codec checks the `content` of which event type, to-device and in a room.
 *
 * Kept apart from the envelope because the same lookup decodes the inner `type` and
 * `content` of an Olm-decrypted payload.
 */
import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { JsonObject, dispatchOn } from './codec.js';
import { decodeWith, type DecodeFailure } from './decode.js';
import { RoomKeyRequestContent } from './key-request.js';
import { EncryptedContent, ForwardedRoomKeyContent, RoomKeyBundleContent, RoomKeyContent, RoomKeyWithheldContent } from './megolm.js';
import { DummyContent } from './olm.js';
import { SecretRequestContent, SecretSendContent } from './secrets.js';
import { KeyVerificationRequestMessageContent, verificationInRoomContent, verificationToDeviceContent } from './verification.js';

/** Where an event was received: it decides which content codec applies. */
export type EventChannel = 'to_device' | 'room';

/**
 * `m.room.message` content: only the verification request is ours to check; every other
 * msgtype (or none) is somebody else's business and passes as any object.
 */
export const RoomMessageContent = dispatchOn('RoomMessageContent', {
  key: 'msgtype',
  branches: { 'm.key.verification.request': KeyVerificationRequestMessageContent },
  otherwise: JsonObject,
});
export type RoomMessageContent = t.TypeOf<typeof RoomMessageContent>;

/**
 * Content codecs of the to-device event types we understand. A known type is decoded
 * whether it came in plaintext or from an Olm payload: a plaintext `m.room_key` is a
 * rule violation with a reason code, not a malformed input.
 */
export const toDeviceContentCodecs = {
  'm.room.encrypted': EncryptedContent,
  'm.room_key': RoomKeyContent,
  'm.forwarded_room_key': ForwardedRoomKeyContent,
  'm.room_key_request': RoomKeyRequestContent,
  'm.room_key.withheld': RoomKeyWithheldContent,
  'm.room_key_bundle': RoomKeyBundleContent,
  'm.secret.request': SecretRequestContent,
  'm.secret.send': SecretSendContent,
  'm.dummy': DummyContent,
  ...verificationToDeviceContent,
};

/** Content codecs of the room event types we understand. */
export const roomContentCodecs = {
  'm.room.encrypted': EncryptedContent,
  'm.room.message': RoomMessageContent,
  ...verificationInRoomContent,
};

/** Decoded content type of each known to-device event type. */
export type ToDeviceContentMap = { [K in keyof typeof toDeviceContentCodecs]: t.TypeOf<(typeof toDeviceContentCodecs)[K]> };
/** Decoded content type of each known room event type. */
export type RoomContentMap = { [K in keyof typeof roomContentCodecs]: t.TypeOf<(typeof roomContentCodecs)[K]> };

/** The content codec for `type` received on `channel`; any object for an unknown type. */
export function contentCodecFor(type: string, channel: EventChannel): t.Decoder<unknown, unknown> {
  const codecs: Record<string, t.Decoder<unknown, unknown>> = channel === 'to_device' ? toDeviceContentCodecs : roomContentCodecs;
  // hasOwnProperty, so a type named "constructor" or "__proto__" is just unknown.
  return Object.prototype.hasOwnProperty.call(codecs, type) ? codecs[type] : JsonObject;
}

/**
 * Decodes an event's `content` by its `type`. Unknown types pass as any object (kept
 * raw for future rules). Failure paths start with `prefix`, e.g. `event.content`.
 * Never throws.
 */
export function decodeEventContent(type: string, content: unknown, prefix: string, where: EventChannel): Either<DecodeFailure, unknown> {
  return decodeWith(contentCodecFor(type, where), content, prefix);
}

/**
 * Narrows an event decoded from a to-device envelope to a known type: its content was
 * already checked by that type's codec when the envelope decoded.
 */
export function isToDeviceEventOf<K extends keyof ToDeviceContentMap>(
  event: { readonly type: string; readonly content: unknown },
  type: K,
): event is { type: K; content: ToDeviceContentMap[K] } {
  return event.type === type;
}

/** Narrows an event decoded from a room envelope to a known type (see {@link isToDeviceEventOf}). */
export function isRoomEventOf<K extends keyof RoomContentMap>(
  event: { readonly type: string; readonly content: unknown },
  type: K,
): event is { type: K; content: RoomContentMap[K] } {
  return event.type === type;
}
