/**
 * User actions: what the person at the keyboard (or the client on their behalf) decided,
 * logged as a `user_action` envelope so the trust or expectation it creates can be
 * replayed and explained.
 *
 * ```json
 * {"kind":"user_action","action":"verify_device","user_id":"@bob:example.org","device_id":"BOBDEV","ed25519":"<public key>"}
 * {"kind":"user_action","action":"verify_identity","user_id":"@bob:example.org","master_key":"<public key>"}
 * {"kind":"user_action","action":"approve_identity","user_id":"@bob:example.org","master_key":"<public key>"}
 * {"kind":"user_action","action":"request_room_key","room_id":"!r:example.org","sender_key":"<curve25519>","session_id":"<id>","request_id":"<id>"}
 * ```
 * Every action names keys by their public key, never by key ID alone, so a key that
 * changes later cannot silently inherit the trust given to the old one.
 */
import * as t from 'io-ts';
import { dispatchOn } from './codec.js';

/** Fields every user action envelope carries (checked again here so a codec stands alone). */
const actionOf = <A extends string>(action: A) => ({ kind: t.literal('user_action'), action: t.literal(action) });

/**
 * `verify_device`: the person compared this device's ed25519 public key out of band
 * (read aloud, QR, SAS) and accepts the device.
 */
export const VerifyDeviceAction = t.type({
  ...actionOf('verify_device'),
  user_id: t.string,
  device_id: t.string,
  /** The ed25519 public key (unpadded base64) the person compared. */
  ed25519: t.string,
}, 'VerifyDeviceAction');
export type VerifyDeviceAction = t.TypeOf<typeof VerifyDeviceAction>;

/**
 * `verify_identity`: the person checked this user's master public key (our own user
 * included: this is how a client marks its own identity trusted).
 */
export const VerifyIdentityAction = t.type({
  ...actionOf('verify_identity'),
  user_id: t.string,
  /** The master cross-signing public key (unpadded base64) that was checked. */
  master_key: t.string,
}, 'VerifyIdentityAction');
export type VerifyIdentityAction = t.TypeOf<typeof VerifyIdentityAction>;

/** `approve_identity`: the person was shown that this user's master key changed and accepts the new one. */
export const ApproveIdentityAction = t.type({
  ...actionOf('approve_identity'),
  user_id: t.string,
  /** The new master public key being approved. */
  master_key: t.string,
}, 'ApproveIdentityAction');
export type ApproveIdentityAction = t.TypeOf<typeof ApproveIdentityAction>;

/**
 * The identity actions by `action`, as `events/envelope.ts` registers them in
 * `userActionCodecs` (a static map: no module mutates the registry at load time).
 */
export const identityActionCodecs = {
  verify_device: VerifyDeviceAction,
  verify_identity: VerifyIdentityAction,
  approve_identity: ApproveIdentityAction,
} as const;

/** Any identity action, for the reducer; an unknown `action` fails as `unknown action "x"`. */
export const IdentityAction = dispatchOn('IdentityAction', { key: 'action', branches: identityActionCodecs });
export type IdentityAction = VerifyDeviceAction | VerifyIdentityAction | ApproveIdentityAction;

/**
 * `request_room_key`: the client sent an `m.room_key_request` for this Megolm session.
 * Until the gossip slice records outgoing requests itself, this is how the ledger knows a
 * forwarded key was asked for: a forwarded key for a session nobody asked for is refused.
 */
export const RequestRoomKeyAction = t.intersection([
  t.type({
    ...actionOf('request_room_key'),
    room_id: t.string,
    session_id: t.string,
  }),
  t.partial({
    /**
     * The Curve25519 key of the device that created the session, as the event named it.
     * Optional, as the spec deprecates it in `m.room_key_request`: without it the request
     * covers the session ID in that room from any sender key.
     */
    sender_key: t.string,
    /** The `request_id` of the `m.room_key_request` sent. */
    request_id: t.string,
  }),
], 'RequestRoomKeyAction');
export type RequestRoomKeyAction = t.TypeOf<typeof RequestRoomKeyAction>;

/** The Megolm actions by `action`, registered in `userActionCodecs` beside the identity ones. */
export const megolmActionCodecs = {
  request_room_key: RequestRoomKeyAction,
} as const;

/**
 * `send_room_key_request`: the client asked the ledger (`requestRoomKey`) to send an
 * `m.room_key_request` for this Megolm session. The engine sends it to the verified devices
 * of our own user as they stand when this is folded, and remembers which: a forwarded key
 * is then taken only from one of them (by its Olm Curve25519 key). `request_id` is made by
 * the ledger and logged here, so a replay knows the request by the same ID.
 */
export const SendRoomKeyRequestAction = t.intersection([
  t.type({
    ...actionOf('send_room_key_request'),
    room_id: t.string,
    session_id: t.string,
    request_id: t.string,
  }),
  t.partial({ sender_key: t.string }),
], 'SendRoomKeyRequestAction');
export type SendRoomKeyRequestAction = t.TypeOf<typeof SendRoomKeyRequestAction>;

/**
 * `send_secret_request`: the client asked the ledger (`requestSecret`) to send an
 * `m.secret.request` for the secret `name` to the verified devices of our own user.
 */
export const SendSecretRequestAction = t.type({
  ...actionOf('send_secret_request'),
  name: t.string,
  request_id: t.string,
}, 'SendSecretRequestAction');
export type SendSecretRequestAction = t.TypeOf<typeof SendSecretRequestAction>;

/** The gossip actions by `action`, registered in `userActionCodecs`. */
export const gossipActionCodecs = {
  send_room_key_request: SendRoomKeyRequestAction,
  send_secret_request: SendSecretRequestAction,
} as const;

/**
 * `open_secret_storage`: the user entered a recovery key or passphrase for secret storage.
 * Logged: only what was derived from it (which key it opened, whether the key's MAC
 * check passed); the secrets it decrypted follow as `secret_stored` facts, sealed in the
 * vault. `txn_id` names what the facade staged for ingestion (never logged).
 */
export const OpenSecretStorageAction = t.type({
  ...actionOf('open_secret_storage'),
  key_id: t.string,
  via: t.union([t.literal('recovery_key'), t.literal('passphrase')]),
  mac_ok: t.boolean,
  txn_id: t.string,
}, 'OpenSecretStorageAction');
export type OpenSecretStorageAction = t.TypeOf<typeof OpenSecretStorageAction>;

/** `enter_backup_key`: the user entered the backup private key itself; logged as its public key. */
export const EnterBackupKeyAction = t.type({
  ...actionOf('enter_backup_key'),
  public_key: t.string,
  txn_id: t.string,
}, 'EnterBackupKeyAction');
export type EnterBackupKeyAction = t.TypeOf<typeof EnterBackupKeyAction>;

/** `import_room_keys`: the user imported a key export file; its sessions follow as `room_key_restored` facts. */
export const ImportRoomKeysAction = t.type({
  ...actionOf('import_room_keys'),
  /** Sessions the file held (each becomes a fact). */
  count: t.number,
  txn_id: t.string,
}, 'ImportRoomKeysAction');
export type ImportRoomKeysAction = t.TypeOf<typeof ImportRoomKeysAction>;

/**
 * `create_secret_storage`: the user made a new secret storage key; `account_data` requests
 * write its description, the default key and the secrets we hold, encrypted to it. Logged:
 * the key ID and the secret names, never the key.
 */
export const CreateSecretStorageAction = t.type({
  ...actionOf('create_secret_storage'),
  key_id: t.string,
  secrets: t.array(t.string),
  txn_id: t.string,
}, 'CreateSecretStorageAction');
export type CreateSecretStorageAction = t.TypeOf<typeof CreateSecretStorageAction>;

/** The secret and backup actions by `action`. */
export const secretActionCodecs = {
  open_secret_storage: OpenSecretStorageAction,
  enter_backup_key: EnterBackupKeyAction,
  import_room_keys: ImportRoomKeysAction,
  create_secret_storage: CreateSecretStorageAction,
} as const;
