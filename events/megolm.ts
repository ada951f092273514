/**
 * Megolm (`m.megolm.v1.aes-sha2`): encrypted room content, the room keys sent over Olm
 * (`m.room_key`, `m.forwarded_room_key`, `m.room_key_bundle`), `m.room_key.withheld`,
 * and the `m.room.encrypted` content dispatched by algorithm.
 */
import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { JsonObject, StringMap, dispatchOn, knownAlgorithm } from './codec.js';
import { decodeWith, type DecodeFailure } from './decode.js';
import { OLM_V1, OlmEncryptedContent } from './olm.js';

/** The Megolm algorithm name. */
export const MEGOLM_V1 = 'm.megolm.v1.aes-sha2';

/**
 * `m.room.encrypted` content with Megolm. `sender_key` and `device_id` are deprecated
 * and must not be used to find the session, but are kept (they are in the raw event).
 */
export const MegolmEncryptedContent = t.intersection([
  t.type({ algorithm: knownAlgorithm(MEGOLM_V1), ciphertext: t.string, session_id: t.string }),
  t.partial({ sender_key: t.string, device_id: t.string }),
], 'MegolmEncryptedContent');
export type MegolmEncryptedContent = t.TypeOf<typeof MegolmEncryptedContent>;

/**
 * `m.room.encrypted` content of either algorithm. An unknown algorithm is a decode
 * failure at `algorithm`: there is no way to read such an event. Which algorithm is
 * acceptable where (Olm to-device, Megolm in rooms) is a rule, not shape.
 */
export const EncryptedContent = dispatchOn('EncryptedContent', {
  key: 'algorithm',
  branches: { [OLM_V1]: OlmEncryptedContent, [MEGOLM_V1]: MegolmEncryptedContent },
});
export type EncryptedContent = t.TypeOf<typeof EncryptedContent>;

/** Decodes `m.room.encrypted` content; failure paths start with `prefix` (e.g. `event.content`). */
export function decodeEncryptedContent(content: unknown, prefix = 'content'): Either<DecodeFailure, EncryptedContent> {
  return decodeWith(EncryptedContent, content, prefix);
}

/**
 * Only `true` marks a session as shareable with newly invited users: the spec says
 * "absence, or any other value" means not shareable, so any value decodes.
 */
const SharedHistory = t.unknown;

/** `m.room_key`: a new Megolm session, valid only as a decrypted Olm payload. */
export const RoomKeyContent = t.intersection([
  t.type({
    algorithm: knownAlgorithm(MEGOLM_V1),
    room_id: t.string,
    session_id: t.string,
    session_key: t.string,
  }),
  t.partial({ shared_history: SharedHistory }),
], 'RoomKeyContent');
export type RoomKeyContent = t.TypeOf<typeof RoomKeyContent>;

/** `m.forwarded_room_key`: a session exported at some index, forwarded by another device. */
export const ForwardedRoomKeyContent = t.intersection([
  t.type({
    algorithm: knownAlgorithm(MEGOLM_V1),
    room_id: t.string,
    /** Curve25519 key of the device that created the session. */
    sender_key: t.string,
    session_id: t.string,
    session_key: t.string,
    /** Ed25519 key of the session creator as claimed by the forwarder: unauthenticated. */
    sender_claimed_ed25519_key: t.string,
    /** Curve25519 keys of the devices the key passed through, oldest first. */
    forwarding_curve25519_key_chain: t.array(t.string),
  }),
  t.partial({ shared_history: SharedHistory, withheld: JsonObject }),
], 'ForwardedRoomKeyContent');
export type ForwardedRoomKeyContent = t.TypeOf<typeof ForwardedRoomKeyContent>;

/**
 * `m.room_key.withheld`: why keys were not sent. `room_id` and `session_id` are absent
 * for `m.no_olm`, which covers every session. `algorithm` is not restricted: the
 * notice is recorded for "why can't I decrypt" whatever it names.
 */
export const RoomKeyWithheldContent = t.intersection([
  t.type({ algorithm: t.string, sender_key: t.string, code: t.string }),
  t.partial({ room_id: t.string, session_id: t.string, reason: t.string }),
], 'RoomKeyWithheldContent');
export type RoomKeyWithheldContent = t.TypeOf<typeof RoomKeyWithheldContent>;

/** An `EncryptedFile`: where an encrypted attachment is and the key to decrypt it. */
export const EncryptedFile = t.type({
  url: t.string,
  key: t.type({ kty: t.string, key_ops: t.array(t.string), alg: t.string, k: t.string, ext: t.boolean }),
  iv: t.string,
  hashes: StringMap,
  v: t.string,
}, 'EncryptedFile');
export type EncryptedFile = t.TypeOf<typeof EncryptedFile>;

/** `m.room_key_bundle`: the keys of a room's history, shared with an invited user as a file. */
export const RoomKeyBundleContent = t.type({ room_id: t.string, file: EncryptedFile }, 'RoomKeyBundleContent');
export type RoomKeyBundleContent = t.TypeOf<typeof RoomKeyBundleContent>;
