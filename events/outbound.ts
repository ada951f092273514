/**
 * The sync loop and the requests the engine makes: the crypto parts of a `/sync`
 * response, the tracked users a client names, the requests the engine asks the client to
 * send (`outgoing_request` facts) and the responses the client hands back
 * (`api/client-server/sync.yaml`, `api/keys.yaml`, the E2EE module's "Extensions to /sync").
 */
import * as t from 'io-ts';
import { NonNegativeInteger } from './codec.js';
import type { DeviceSigningUploadBody, RoomMessageBody, SignatureUploadBody } from './cross-signing.js';

/** Optional on every envelope: when the client received the input, in ms since the epoch. */
const Received = t.partial({ received_at: NonNegativeInteger });

/** `device_lists` of a `/sync` response. */
export const DeviceLists = t.partial({ changed: t.array(t.string), left: t.array(t.string) }, 'DeviceLists');
export type DeviceLists = t.TypeOf<typeof DeviceLists>;

/**
 * `kind: "sync"`: the crypto parts of one `/sync` response, one input. Its to-device
 * events are logged as `to_device` entries of their own right after it (in the same
 * batch), so the logged `sync` entry holds `to_device_events` (their number) instead of
 * `to_device`: each event is decoded, sealed and judged exactly as a lone `to_device`
 * envelope, and a bad one is refused alone.
 */
export const SyncEnvelope = t.intersection([
  t.type({ kind: t.literal('sync') }),
  t.partial({
    to_device: t.partial({ events: t.array(t.unknown) }),
    to_device_events: NonNegativeInteger,
    device_lists: DeviceLists,
    device_one_time_keys_count: t.record(t.string, NonNegativeInteger),
    device_unused_fallback_key_types: t.array(t.string),
    /** Global account data: judged as an `account_data` envelope would be (secret storage, backup). */
    account_data: t.partial({ events: t.array(t.type({ type: t.string, content: t.UnknownRecord })) }),
  }),
  Received,
], 'SyncEnvelope');
export type SyncEnvelope = t.TypeOf<typeof SyncEnvelope>;

/** `kind: "track_users"`: the client says whose devices matter (`updateTrackedUsers`). */
export const TrackUsersEnvelope = t.intersection([t.type({ kind: t.literal('track_users'), users: t.array(t.string) }), Received], 'TrackUsersEnvelope');
export type TrackUsersEnvelope = t.TypeOf<typeof TrackUsersEnvelope>;

/** A `/keys/upload` response body. */
export const KeysUploadResponse = t.type({ one_time_key_counts: t.record(t.string, NonNegativeInteger) }, 'KeysUploadResponse');
export type KeysUploadResponse = t.TypeOf<typeof KeysUploadResponse>;

/** `kind: "keys_upload"`: the response to one of our `keys_upload` requests. */
export const KeysUploadEnvelope = t.intersection([
  t.type({ kind: t.literal('keys_upload'), request_id: t.string, response: KeysUploadResponse }),
  Received,
], 'KeysUploadEnvelope');
export type KeysUploadEnvelope = t.TypeOf<typeof KeysUploadEnvelope>;

/**
 * `kind: "missing_sessions"`: the client asks for Olm sessions with every device of these
 * users (`getMissingSessions`); a `keys_claim` request is made for those without one.
 */
export const MissingSessionsEnvelope = t.intersection([t.type({ kind: t.literal('missing_sessions'), users: t.array(t.string) }), Received], 'MissingSessionsEnvelope');
export type MissingSessionsEnvelope = t.TypeOf<typeof MissingSessionsEnvelope>;

/**
 * A `/keys/claim` response body: user → device → `<algorithm>:<key id>` → the claimed key.
 * The keys are judged by the rules (signature, device), not by the codec, so a bad one is
 * refused alone.
 */
export const KeysClaimResponse = t.intersection([
  t.type({ one_time_keys: t.record(t.string, t.record(t.string, t.record(t.string, t.unknown))) }),
  t.partial({ failures: t.record(t.string, t.unknown) }),
], 'KeysClaimResponse');
export type KeysClaimResponse = t.TypeOf<typeof KeysClaimResponse>;

/** `kind: "keys_claim"`: the response to one of our `keys_claim` requests. */
export const KeysClaimEnvelope = t.intersection([
  t.type({ kind: t.literal('keys_claim'), request_id: t.string, response: KeysClaimResponse }),
  Received,
], 'KeysClaimEnvelope');
export type KeysClaimEnvelope = t.TypeOf<typeof KeysClaimEnvelope>;

/**
 * `kind: "encrypt_to_device"`: the client asked to Olm-encrypt an event for one device
 * (`encryptToDevice`). The content is never logged: it is handed to the outbound path
 * beside the input, under `txn_id`, and only the fact of its encryption is kept.
 */
export const EncryptToDeviceEnvelope = t.intersection([
  t.type({ kind: t.literal('encrypt_to_device'), user_id: t.string, device_id: t.string, event_type: t.string, txn_id: t.string }),
  Received,
], 'EncryptToDeviceEnvelope');
export type EncryptToDeviceEnvelope = t.TypeOf<typeof EncryptToDeviceEnvelope>;

/** `kind: "to_device_sent"`: the response to one of our `to_device` requests (an empty object). */
export const ToDeviceSentEnvelope = t.intersection([
  t.type({ kind: t.literal('to_device_sent'), request_id: t.string, response: t.UnknownRecord }),
  Received,
], 'ToDeviceSentEnvelope');
export type ToDeviceSentEnvelope = t.TypeOf<typeof ToDeviceSentEnvelope>;

/** Payload of an `olm_encrypted` fact: what we encrypted, with which session (never the plaintext). */
export interface OlmEncryptedPayload {
  readonly input_seq: number;
  readonly user_id: string;
  readonly device_id: string;
  readonly curve25519: string;
  readonly event_type: string;
  readonly olm_session_id: string;
  readonly message_type: 0 | 1;
  /** SHA-256 (hex) of the ciphertext body. */
  readonly ciphertext_hash: string;
}

/** A `PUT /sendToDevice/{eventType}/{txnId}` body. */
export interface ToDeviceRequestBody {
  readonly messages: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The request types the engine makes today. */

/** A `PUT /room_keys/keys?version=V` body: room → sessions → `KeyBackupData` (session data encrypted to the backup key). */
export interface KeysBackupRequestBody {
  readonly rooms: Readonly<Record<string, { readonly sessions: Readonly<Record<string, unknown>> }>>;
}

/** A session a `keys_backup` request carries, by its key in the megolm slice and the key it sent. */
export interface BackedUpSessionRef {
  readonly room_id: string;
  readonly sender_key: string;
  readonly session_id: string;
  /** The fact whose key was backed up (a later, lower-index key is backed up again). */
  readonly key_seq: number;
}

/**
 * \`kind: "back_up_room_keys"\`: the client asks for its room keys to go to the server's
 * backup (\`backUpRoomKeys\`). What to send was encrypted by the facade beside the input,
 * under \`txn_id\`; a \`keys_backup\` request is made only if the backup is trusted then.
 */
export const BackUpRoomKeysEnvelope = t.intersection([t.type({ kind: t.literal('back_up_room_keys'), txn_id: t.string }), Received], 'BackUpRoomKeysEnvelope');
export type BackUpRoomKeysEnvelope = t.TypeOf<typeof BackUpRoomKeysEnvelope>;

/** \`kind: "keys_backup"\`: the response to one of our \`keys_backup\` requests (\`{ etag, count }\`). */
export const KeysBackupSentEnvelope = t.intersection([
  t.type({ kind: t.literal('keys_backup'), request_id: t.string, response: t.UnknownRecord }),
  Received,
], 'KeysBackupSentEnvelope');
export type KeysBackupSentEnvelope = t.TypeOf<typeof KeysBackupSentEnvelope>;

/** \`kind: "account_data_sent"\`: the response to one of our \`account_data\` requests (an empty object). */
export const AccountDataSentEnvelope = t.intersection([
  t.type({ kind: t.literal('account_data_sent'), request_id: t.string, response: t.UnknownRecord }),
  Received,
], 'AccountDataSentEnvelope');
export type AccountDataSentEnvelope = t.TypeOf<typeof AccountDataSentEnvelope>;
export type OutgoingRequestType = 'keys_query' | 'keys_upload' | 'keys_claim' | 'to_device' | 'device_signing_upload' | 'signature_upload' | 'room_message' | 'keys_backup' | 'account_data';

/** A `/keys/claim` request body: user → device → key algorithm. */
export interface KeysClaimRequestBody {
  readonly one_time_keys: Readonly<Record<string, Readonly<Record<string, 'signed_curve25519'>>>>;
}

/**
 * Payload of an `olm_session_created` fact: an outbound Olm session we made from a claimed
 * one-time key the rules accepted (the session itself is in the vault).
 */
export interface OlmSessionCreatedPayload {
  readonly input_seq: number;
  readonly user_id: string;
  readonly device_id: string;
  readonly curve25519: string;
  readonly one_time_key: string;
  readonly session_id: string;
}

/**
 * Payload of a `fallback_key_forgotten` fact: the private half of our fallback key before
 * the current one was dropped from our account, an hour after a new one replaced it.
 */
export interface FallbackKeyForgottenPayload {
  /** The input after which it was forgotten. */
  readonly input_seq: number;
  /** The keys_upload request whose new fallback key replaced it. */
  readonly replaced_seq: number;
}

/** A `/keys/query` request body. */
export interface KeysQueryRequestBody {
  readonly device_keys: Readonly<Record<string, readonly string[]>>;
}

/** A signed curve25519 key as uploaded (public only). */
export interface UploadedCurveKey {
  readonly key: string;
  readonly fallback?: true;
  readonly signatures: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A `/keys/upload` request body: public keys only. */
export interface KeysUploadRequestBody {
  readonly device_keys?: unknown;
  readonly one_time_keys: Readonly<Record<string, UploadedCurveKey>>;
  readonly fallback_keys?: Readonly<Record<string, UploadedCurveKey>>;
}

/**
 * Payload of an `outgoing_request` fact: a request the engine made for the client to
 * send, logged once, pending until its response is logged. `id` is random (made on the
 * impure path), so it is stable across restarts only because it is read back from here.
 */
export type OutgoingRequestPayload =
  | {
      readonly id: string;
      readonly type: 'keys_query';
      /** The input after which it was made. */
      readonly input_seq: number;
      readonly body: KeysQueryRequestBody;
    }
  | {
      readonly id: string;
      readonly type: 'keys_upload';
      readonly input_seq: number;
      readonly body: KeysUploadRequestBody;
      /** Why: the server's count of our one-time keys then, and the account's maximum. */
      readonly one_time_key_count: number;
      readonly max_one_time_keys: number;
    }
  | {
      readonly id: string;
      readonly type: 'keys_claim';
      readonly input_seq: number;
      readonly body: KeysClaimRequestBody;
    }
  | {
      readonly id: string;
      readonly type: 'to_device';
      readonly input_seq: number;
      readonly event_type: string;
      readonly txn_id: string;
      readonly body: ToDeviceRequestBody;
    }
  | {
      readonly id: string;
      readonly type: 'keys_backup';
      readonly input_seq: number;
      /** The backup version the keys go to (trusted when the request was made). */
      readonly version: string;
      readonly body: KeysBackupRequestBody;
      readonly sessions: readonly BackedUpSessionRef[];
    }
  | {
      readonly id: string;
      readonly type: 'account_data';
      readonly input_seq: number;
      /** Our own user (the path names it). */
      readonly user_id: string;
      /** The account data type (`m.secret_storage.key.<id>`, `m.megolm_backup.v1`, …). */
      readonly event_type: string;
      readonly body: Readonly<Record<string, unknown>>;
    }
  | {
      readonly id: string;
      readonly type: 'device_signing_upload';
      readonly input_seq: number;
      readonly body: DeviceSigningUploadBody;
    }
  | {
      readonly id: string;
      readonly type: 'signature_upload';
      readonly input_seq: number;
      readonly body: SignatureUploadBody;
    }
  | {
      readonly id: string;
      readonly type: 'room_message';
      readonly input_seq: number;
      readonly room_id: string;
      readonly event_type: string;
      readonly txn_id: string;
      readonly body: RoomMessageBody;
      /**
       * An encrypted verification event we sent (`event_type` `m.room.encrypted`): its
       * plaintext type and content, which the verification slice folds (not secret).
       */
      readonly verification?: { readonly type: string; readonly content: Readonly<Record<string, unknown>> };
    };
