/**
 * The ingest envelope: one JSON object per input, the engine's external contract.
 *
 * ```json
 * {"kind":"to_device","event":{"type":"…","sender":"…","content":{…}}}
 * {"kind":"room_event","room_id":"!r:server","event":{"event_id":"…","sender":"…","origin_server_ts":0,"type":"…","content":{…}}}
 * {"kind":"keys_query","response":{…}}
 * {"kind":"backup_version","response":{…}}
 * {"kind":"user_action","action":"…", …}
 * {"kind":"sync","to_device":{"events":[…]},"device_lists":{…},"device_one_time_keys_count":{…},"device_unused_fallback_key_types":[…]}
 * {"kind":"track_users","users":["@a:server",…]}
 * {"kind":"keys_upload","request_id":"…","response":{…a /keys/upload response body…}}
 * {"kind":"missing_sessions","users":["@a:server",…]}
 * {"kind":"keys_claim","request_id":"…","response":{…a /keys/claim response body…}}
 * {"kind":"share_room_key","room_id":"!r:server","users":[…],"strategy":"all"}
 * {"kind":"discard_room_key","room_id":"!r:server"}
 * {"kind":"account_data","events":[{"type":"m.secret_storage.default_key","content":{"key":"…"}}]}
 * {"kind":"backup_keys","version":"1","response":{"rooms":{…}}}
 * ```
 * Any of them may carry `received_at` (ms since the epoch). The event content of a
 * known type is checked with its family codec, so failure paths read
 * `event.content.session_id`.
 */
import * as t from 'io-ts';
import { right, type Either } from 'fp-ts/lib/Either.js';
import { BackupVersionResponse } from './backup.js';
import { JsonObject, NonNegativeInteger, delegate, dispatchOn } from './codec.js';
import { decodeWith, quoted, type DecodeFailure } from './decode.js';
import { RoomEvent, ToDeviceEvent } from './event.js';
import { RoomMessageContent, contentCodecFor } from './content.js';
import { KeysQueryResponse } from './keys.js';
import {
  BackUpRoomKeysEnvelope, KeysBackupSentEnvelope, AccountDataSentEnvelope,
  EncryptToDeviceEnvelope, KeysClaimEnvelope, KeysUploadEnvelope, MissingSessionsEnvelope, SyncEnvelope, ToDeviceSentEnvelope, TrackUsersEnvelope,
} from './outbound.js';
import { CrossSigningEnvelope, DeviceSigningUploadEnvelope, RoomMessageSentEnvelope, SendRoomMessageEnvelope, SignatureUploadEnvelope } from './cross-signing.js';
import { DiscardRoomKeyEnvelope, EncryptRoomEventEnvelope, ShareRoomKeyEnvelope } from './megolm-out.js';
import {
  gossipActionCodecs, identityActionCodecs, megolmActionCodecs, secretActionCodecs,
  type ApproveIdentityAction, type RequestRoomKeyAction, type SendRoomKeyRequestAction, type SendSecretRequestAction, type VerifyDeviceAction, type VerifyIdentityAction,
  type OpenSecretStorageAction, type EnterBackupKeyAction, type ImportRoomKeysAction, type CreateSecretStorageAction,
} from './user-actions.js';
import { AccountDataEnvelope, BackupKeysEnvelope } from './secret-storage.js';
import { verificationActionCodecs, type VerificationAction } from './verification-actions.js';

/** Optional on every envelope: when the client received the input, in ms since the epoch. */
const Received = t.partial({ received_at: NonNegativeInteger });

/** `kind: "to_device"`. */
export const ToDeviceEnvelope = t.intersection([t.type({ kind: t.literal('to_device'), event: ToDeviceEvent }), Received], 'ToDeviceEnvelope');
export type ToDeviceEnvelope = t.TypeOf<typeof ToDeviceEnvelope>;

/** `kind: "room_event"`: `room_id` is given here because /sync groups timeline events by room. */
export const RoomEventEnvelope = t.intersection([
  t.type({ kind: t.literal('room_event'), room_id: t.string, event: RoomEvent }),
  Received,
], 'RoomEventEnvelope');
export type RoomEventEnvelope = t.TypeOf<typeof RoomEventEnvelope>;

/** `kind: "keys_query"`: a /keys/query response body. */
export const KeysQueryEnvelope = t.intersection([
  t.type({ kind: t.literal('keys_query'), response: KeysQueryResponse }),
  // Set when it answers one of our `keys_query` requests (`markRequestAsSent`).
  t.partial({ request_id: t.string }),
  Received,
], 'KeysQueryEnvelope');
export type KeysQueryEnvelope = t.TypeOf<typeof KeysQueryEnvelope>;

/** `kind: "backup_version"`: a GET /room_keys/version response body. */
export const BackupVersionEnvelope = t.intersection([
  t.type({ kind: t.literal('backup_version'), response: BackupVersionResponse }),
  Received,
], 'BackupVersionEnvelope');
export type BackupVersionEnvelope = t.TypeOf<typeof BackupVersionEnvelope>;

/**
 * Codecs of the known user actions, by `action`. Each checks the whole envelope (its
 * fields sit beside `kind` and `action`). Add an entry here, and its type to
 * {@link UserAction}, to accept a new action.
 */
export const userActionCodecs: Record<string, t.Decoder<unknown, unknown>> = { ...identityActionCodecs, ...megolmActionCodecs, ...gossipActionCodecs, ...secretActionCodecs, ...verificationActionCodecs };

/** The common shape of a user action; its own fields are checked by `userActionCodecs`. */
const UserActionShape = t.intersection([t.type({ kind: t.literal('user_action'), action: t.string }), Received]);

/**
 * Every known user action, one variant per `action` with its own fields, so a client
 * writing `{ kind: 'user_action', action: 'verify_device', … }` gets its fields checked
 * by the compiler (a misspelt field or action is a type error, not a `rejected_input`).
 */
export type UserAction = VerifyDeviceAction | VerifyIdentityAction | ApproveIdentityAction | RequestRoomKeyAction | SendRoomKeyRequestAction | SendSecretRequestAction
  | OpenSecretStorageAction | EnterBackupKeyAction | ImportRoomKeysAction | CreateSecretStorageAction
  | VerificationAction;

/** `kind: "user_action"`: one {@link UserAction}, with the optional `received_at`. */
export type UserActionEnvelope = UserAction & { received_at?: number };

/** `kind: "user_action"`: something the local user did; an action not in `userActionCodecs` is a failure. */
export const UserActionEnvelope = new t.Type<UserActionEnvelope, UserActionEnvelope, unknown>(
  'UserActionEnvelope',
  (u): u is UserActionEnvelope => UserActionEnvelope.validate(u, [])._tag === 'Right',
  (u, c) => {
    const shape = UserActionShape.validate(u, delegate(c, UserActionShape));
    if (shape._tag === 'Left') return shape;
    const { action } = shape.right;
    if (!Object.prototype.hasOwnProperty.call(userActionCodecs, action)) {
      return t.failure(action, t.appendContext(c, 'action', t.string, action), `unknown action ${quoted(action)}`);
    }
    const codec = userActionCodecs[action];
    const own = codec.validate(u, delegate(c, codec));
    // The action's own codec checked every field of its variant.
    return own._tag === 'Left' ? own : t.success(shape.right as UserActionEnvelope);
  },
  t.identity,
);

/** Any envelope, dispatched by `kind`; an unknown kind fails at `kind`. */
export const Envelope = dispatchOn('Envelope', {
  key: 'kind',
  branches: {
    to_device: ToDeviceEnvelope,
    room_event: RoomEventEnvelope,
    keys_query: KeysQueryEnvelope,
    backup_version: BackupVersionEnvelope,
    user_action: UserActionEnvelope,
    sync: SyncEnvelope,
    track_users: TrackUsersEnvelope,
    keys_upload: KeysUploadEnvelope,
    missing_sessions: MissingSessionsEnvelope,
    keys_claim: KeysClaimEnvelope,
    encrypt_to_device: EncryptToDeviceEnvelope,
    to_device_sent: ToDeviceSentEnvelope,
    share_room_key: ShareRoomKeyEnvelope,
    encrypt_room_event: EncryptRoomEventEnvelope,
    discard_room_key: DiscardRoomKeyEnvelope,
    account_data: AccountDataEnvelope,
    backup_keys: BackupKeysEnvelope,
    back_up_room_keys: BackUpRoomKeysEnvelope,
    keys_backup: KeysBackupSentEnvelope,
    account_data_sent: AccountDataSentEnvelope,
    cross_signing: CrossSigningEnvelope,
    device_signing_upload: DeviceSigningUploadEnvelope,
    signature_upload: SignatureUploadEnvelope,
    send_room_message: SendRoomMessageEnvelope,
    room_message_sent: RoomMessageSentEnvelope,
  },
});
/**
 * Any envelope: a discriminated union on `kind` (and, for `user_action`, on `action`),
 * the type of `Ledger.ingest`. Untyped input (raw text, objects from elsewhere) goes to
 * `Ledger.ingestUnknown`, which the decoder checks at run time.
 */
export type Envelope =
  | ToDeviceEnvelope | RoomEventEnvelope | KeysQueryEnvelope | BackupVersionEnvelope | UserActionEnvelope
  | SyncEnvelope | TrackUsersEnvelope | KeysUploadEnvelope | MissingSessionsEnvelope | KeysClaimEnvelope
  | EncryptToDeviceEnvelope | ToDeviceSentEnvelope | ShareRoomKeyEnvelope | EncryptRoomEventEnvelope | DiscardRoomKeyEnvelope
  | AccountDataEnvelope | BackupKeysEnvelope | BackUpRoomKeysEnvelope | KeysBackupSentEnvelope | AccountDataSentEnvelope
  | CrossSigningEnvelope | DeviceSigningUploadEnvelope | SignatureUploadEnvelope | SendRoomMessageEnvelope | RoomMessageSentEnvelope;

export { DiscardRoomKeyEnvelope, EncryptRoomEventEnvelope, ShareRoomKeyEnvelope, AccountDataEnvelope, BackupKeysEnvelope };
export { BackUpRoomKeysEnvelope, KeysBackupSentEnvelope, AccountDataSentEnvelope };

export { CrossSigningEnvelope, DeviceSigningUploadEnvelope, RoomMessageSentEnvelope, SendRoomMessageEnvelope, SignatureUploadEnvelope };
export { EncryptToDeviceEnvelope, ToDeviceSentEnvelope, KeysClaimEnvelope, KeysUploadEnvelope, MissingSessionsEnvelope, SyncEnvelope, TrackUsersEnvelope };

/**
 * Decodes one ingest envelope (already parsed from JSON). Never throws; on success the
 * result is the input object itself, unknown fields included.
 */
export function decodeEnvelope(value: unknown): Either<DecodeFailure, Envelope> {
  if (roomEventAccepted(value)) return right(value as Envelope);
  return decodeWith(Envelope, value);
}

const isRecord = (u: unknown): u is Record<string, unknown> => u !== null && typeof u === 'object' && !Array.isArray(u);
const isNonNegativeInteger = (u: unknown): boolean => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;

/**
 * True when `Envelope` would accept `u` as a room event, told without io-ts (which
 * allocates a context and a result for every field, on the commonest input there is: a
 * timeline event). Each check is one of `RoomEventEnvelope`'s, in io-ts's own terms
 * (`t.UnknownRecord`, `t.string`, `NonNegativeInteger`, the optional fields of
 * `t.partial`); the content is checked by the codec of its type (any object for a type
 * without one, and an `m.room.message` that is not a verification request). False
 * whenever it is not sure: the io-ts decode then runs and names the failure's path.
 * Because the codecs never transform, an accepted value is the decoded value.
 */
function roomEventAccepted(u: unknown): boolean {
  if (!isRecord(u) || u['kind'] !== 'room_event' || typeof u['room_id'] !== 'string') return false;
  if (u['received_at'] !== undefined && !isNonNegativeInteger(u['received_at'])) return false;
  const e = u['event'];
  if (!isRecord(e) || typeof e['event_id'] !== 'string' || typeof e['sender'] !== 'string' || !isNonNegativeInteger(e['origin_server_ts'])) return false;
  const type = e['type'];
  const content = e['content'];
  if (typeof type !== 'string' || !isRecord(content)) return false;
  if (e['unsigned'] !== undefined && !isRecord(e['unsigned'])) return false;
  if (e['room_id'] !== undefined && typeof e['room_id'] !== 'string') return false;
  const codec = contentCodecFor(type, 'room');
  if (codec === JsonObject) return true;
  if (codec === RoomMessageContent) return content['msgtype'] !== 'm.key.verification.request';
  return codec.decode(content)._tag === 'Right';
}
