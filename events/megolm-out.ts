/**
 * Our own room keys: the client asks to share the room's outbound Megolm session with the
 * devices of some users (`share_room_key`), to encrypt a room event with it
 * (`encrypt_room_event`), or to discard it (`discard_room_key`); the engine logs what it
 * made (facts, never a key or a plaintext).
 */
import * as t from 'io-ts';
import { NonNegativeInteger } from './codec.js';

const Received = t.partial({ received_at: NonNegativeInteger });

/** Whose devices get our room key: every device, cross-signed ones only, or verified ones only (the Rust SDK's `CollectStrategy`). */
export const ShareStrategy = t.keyof({ all: null, cross_signed: null, verified: null }, 'ShareStrategy');
export type ShareStrategy = t.TypeOf<typeof ShareStrategy>;

/**
 * `kind: "share_room_key"`: share the room's outbound session with the devices of `users`
 * (the room's members), under `strategy`, rotating it as the room's `m.room.encryption`
 * says (`rotation_period_ms`, `rotation_period_msgs`; the spec's defaults when absent).
 */
export const ShareRoomKeyEnvelope = t.intersection([
  t.type({ kind: t.literal('share_room_key'), room_id: t.string, users: t.array(t.string), strategy: ShareStrategy }),
  t.partial({ rotation_period_ms: NonNegativeInteger, rotation_period_msgs: NonNegativeInteger }),
  Received,
], 'ShareRoomKeyEnvelope');
export type ShareRoomKeyEnvelope = t.TypeOf<typeof ShareRoomKeyEnvelope>;

/**
 * `kind: "encrypt_room_event"`: encrypt an event for the room with its outbound session.
 * The content is never logged: it goes beside the input under `txn_id`.
 */
export const EncryptRoomEventEnvelope = t.intersection([
  t.type({ kind: t.literal('encrypt_room_event'), room_id: t.string, event_type: t.string, txn_id: t.string }),
  Received,
], 'EncryptRoomEventEnvelope');
export type EncryptRoomEventEnvelope = t.TypeOf<typeof EncryptRoomEventEnvelope>;

/** `kind: "discard_room_key"`: the client asks for a new session for the room at the next share. */
export const DiscardRoomKeyEnvelope = t.intersection([t.type({ kind: t.literal('discard_room_key'), room_id: t.string }), Received], 'DiscardRoomKeyEnvelope');
export type DiscardRoomKeyEnvelope = t.TypeOf<typeof DiscardRoomKeyEnvelope>;

/**
 * Payload of a `megolm_session_created` fact: a new outbound Megolm session of ours. Its
 * key is sealed in the vault (`vault_key`, as an inbound session, so we decrypt our own
 * messages; the outbound ratchet beside it), never in the log.
 */
export interface MegolmSessionCreatedPayload {
  readonly input_seq: number;
  readonly room_id: string;
  readonly session_id: string;
  /** Our Curve25519 key: the session's sender key. */
  readonly sender_key: string;
  readonly first_known_index: number;
  /** SHA-256 of the key exported at its first index (see RoomKeyFacts.commitment). */
  readonly commitment: string;
  readonly vault_key: string;
}

/** One device a room key was sent to, over Olm. */
export interface SharedWithDevice {
  readonly user_id: string;
  readonly device_id: string;
  readonly curve25519: string;
  readonly olm_session_id: string;
}

/** One device told, with `m.room_key.withheld`, why it gets no key. */
export interface WithheldFromDevice {
  readonly user_id: string;
  readonly device_id: string;
  readonly code: string;
}

/**
 * Payload of a `room_key_shared` fact: the room key went (as `m.room_key` over Olm, at
 * `message_index`) to `devices`, and `m.room_key.withheld` to `withheld`, in the
 * to_device requests made with it.
 */
export interface RoomKeySharedPayload {
  readonly input_seq: number;
  readonly room_id: string;
  readonly session_id: string;
  readonly message_index: number;
  readonly devices: readonly SharedWithDevice[];
  readonly withheld: readonly WithheldFromDevice[];
}

/** Payload of a `megolm_encrypted` fact: a room event we encrypted (never its content). */
export interface MegolmEncryptedPayload {
  readonly input_seq: number;
  readonly room_id: string;
  readonly session_id: string;
  readonly message_index: number;
  readonly event_type: string;
  /** SHA-256 (hex) of the ciphertext. */
  readonly ciphertext_hash: string;
}
