/**
 * Our own cross-signing identity and the requests that go with it: the client asks to
 * bootstrap our keys, to import private keys (from secret storage, secret sharing, or the
 * user), or to sign a device of ours or another user's master key (`cross_signing`
 * inputs); the engine logs which keys it holds (`own_cross_signing_keys` facts, public
 * keys only) and the server's answers to `/keys/device_signing/upload` and
 * `/keys/signatures/upload`. Also a room message to send (`send_room_message`) and its
 * answer (`room_message_sent`). Spec: the E2EE module's "Cross-signing", `api/cross_signing.yaml`.
 */
import * as t from 'io-ts';
import { NonNegativeInteger } from './codec.js';

const Received = t.partial({ received_at: NonNegativeInteger });

/** Where private cross-signing keys came from. */
export const CrossSigningSource = t.keyof({ bootstrap: null, secret_storage: null, secret_send: null, import: null }, 'CrossSigningSource');
export type CrossSigningSource = t.TypeOf<typeof CrossSigningSource>;

/**
 * `kind: "cross_signing"`: one of
 * - `action: "bootstrap"`: make new master, self-signing and user-signing keys;
 * - `action: "import"`: private keys (held beside the input under `txn_id`, never logged)
 *   whose public keys are given, from `source`;
 * - `action: "sign_device"`: sign our own device `device_id` with our self-signing key;
 * - `action: "sign_user"`: sign `user_id`'s master key with our user-signing key.
 * The private keys of an import and of a signing are handed to the outbound path beside
 * the input, under `txn_id`: an input given without them (raw ingestion) is judged but
 * makes nothing.
 */
export const CrossSigningEnvelope = t.union([
  t.intersection([t.type({ kind: t.literal('cross_signing'), action: t.literal('bootstrap') }), t.partial({ txn_id: t.string }), Received]),
  t.intersection([
    t.type({ kind: t.literal('cross_signing'), action: t.literal('import'), source: CrossSigningSource }),
    t.partial({ txn_id: t.string, master: t.string, self_signing: t.string, user_signing: t.string }),
    Received,
  ]),
  t.intersection([t.type({ kind: t.literal('cross_signing'), action: t.literal('sign_device'), device_id: t.string }), t.partial({ txn_id: t.string }), Received]),
  t.intersection([t.type({ kind: t.literal('cross_signing'), action: t.literal('sign_user'), user_id: t.string }), t.partial({ txn_id: t.string }), Received]),
], 'CrossSigningEnvelope');
export type CrossSigningEnvelope = t.TypeOf<typeof CrossSigningEnvelope>;

/** `kind: "device_signing_upload"`: the response to one of our `device_signing_upload` requests (an empty object). */
export const DeviceSigningUploadEnvelope = t.intersection([
  t.type({ kind: t.literal('device_signing_upload'), request_id: t.string, response: t.UnknownRecord }),
  Received,
], 'DeviceSigningUploadEnvelope');
export type DeviceSigningUploadEnvelope = t.TypeOf<typeof DeviceSigningUploadEnvelope>;

/** A `/keys/signatures/upload` response body: `failures` is user → key ID → error. */
export const SignatureUploadResponse = t.intersection([
  t.UnknownRecord,
  t.partial({ failures: t.record(t.string, t.record(t.string, t.unknown)) }),
], 'SignatureUploadResponse');

/** `kind: "signature_upload"`: the response to one of our `signature_upload` requests. */
export const SignatureUploadEnvelope = t.intersection([
  t.type({ kind: t.literal('signature_upload'), request_id: t.string, response: SignatureUploadResponse }),
  Received,
], 'SignatureUploadEnvelope');
export type SignatureUploadEnvelope = t.TypeOf<typeof SignatureUploadEnvelope>;

/**
 * `kind: "send_room_message"`: an event to send to a room as it is (`content` is what the
 * server gets: for an encrypted room, the `m.room.encrypted` content our outbound session
 * made, so no plaintext of an encrypted room is logged). `encrypted` says which it is.
 */
export const SendRoomMessageEnvelope = t.intersection([
  t.type({ kind: t.literal('send_room_message'), room_id: t.string, event_type: t.string, txn_id: t.string, content: t.UnknownRecord }),
  t.partial({ encrypted: t.boolean }),
  Received,
], 'SendRoomMessageEnvelope');
export type SendRoomMessageEnvelope = t.TypeOf<typeof SendRoomMessageEnvelope>;

/** `kind: "room_message_sent"`: the response to one of our `room_message` requests (`{ event_id }`). */
export const RoomMessageSentEnvelope = t.intersection([
  t.type({ kind: t.literal('room_message_sent'), request_id: t.string, response: t.UnknownRecord }),
  Received,
], 'RoomMessageSentEnvelope');
export type RoomMessageSentEnvelope = t.TypeOf<typeof RoomMessageSentEnvelope>;

/**
 * Payload of an `own_cross_signing_keys` fact: the private cross-signing keys we now hold
 * (sealed in the vault as `cross_signing/<role>`), by their public keys; null for a role
 * we hold no private key of (an import of some keys keeps the others held before).
 */
export interface OwnCrossSigningKeysPayload {
  /** The `cross_signing` input. */
  readonly input_seq: number;
  readonly master: string | null;
  readonly self_signing: string | null;
  readonly user_signing: string | null;
  readonly source: CrossSigningSource;
}

/** A cross-signing key as uploaded (public only). */
export interface UploadedCrossSigningKey {
  readonly user_id: string;
  readonly usage: readonly string[];
  readonly keys: Readonly<Record<string, string>>;
  readonly signatures?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A `/keys/device_signing/upload` body (the client adds `auth` when the server asks for it). */
export interface DeviceSigningUploadBody {
  readonly master_key: UploadedCrossSigningKey;
  readonly self_signing_key: UploadedCrossSigningKey;
  readonly user_signing_key: UploadedCrossSigningKey;
}

/** A `/keys/signatures/upload` body: user → key ID or device ID → the signed object. */
export type SignatureUploadBody = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

/** A `PUT /rooms/{roomId}/send/{eventType}/{txnId}` body: the event content. */
export type RoomMessageBody = Readonly<Record<string, unknown>>;
