/**
 * Server-side key backup: the `GET /room_keys/version` response (`api/key_backup.yaml`),
 * the `auth_data` of `m.megolm_backup.v1.curve25519-aes-sha2`
 * (`api/definitions/key_backup_auth_data.yaml`) and the `m.key_backup` account data.
 */
import * as t from 'io-ts';
import { Integer, JsonObject, dispatchOn } from './codec.js';
import { Signatures } from './keys.js';

/** The backup algorithm we implement. */
export const MEGOLM_BACKUP_V1 = 'm.megolm_backup.v1.curve25519-aes-sha2';

/** `auth_data` of an `m.megolm_backup.v1.curve25519-aes-sha2` backup. */
export const MegolmBackupV1AuthData = t.intersection([
  t.type({ public_key: t.string }),
  t.partial({ signatures: Signatures }),
], 'MegolmBackupV1AuthData');
export type MegolmBackupV1AuthData = t.TypeOf<typeof MegolmBackupV1AuthData>;

const versionFields = { count: Integer, etag: t.string, version: t.string };

/** A backup we can use: its `auth_data` is checked. */
export const MegolmBackupV1Version = t.type({
  algorithm: t.literal(MEGOLM_BACKUP_V1),
  auth_data: MegolmBackupV1AuthData,
  ...versionFields,
}, 'MegolmBackupV1Version');
export type MegolmBackupV1Version = t.TypeOf<typeof MegolmBackupV1Version>;

/**
 * A backup of an algorithm we do not know: `auth_data` is kept raw. Not a decode
 * failure, because "is there a backup we must not use" is itself something the
 * backup rules decide and explain.
 */
export const UnknownBackupVersion = t.type({
  algorithm: t.string,
  auth_data: JsonObject,
  ...versionFields,
}, 'UnknownBackupVersion');
export type UnknownBackupVersion = t.TypeOf<typeof UnknownBackupVersion>;

/** The `GET /room_keys/version` (or `/room_keys/version/{version}`) response body, by `algorithm`. */
export const BackupVersionResponse = dispatchOn('BackupVersionResponse', {
  key: 'algorithm',
  branches: { [MEGOLM_BACKUP_V1]: MegolmBackupV1Version },
  otherwise: UnknownBackupVersion,
});
export type BackupVersionResponse = t.TypeOf<typeof BackupVersionResponse>;

/** `m.key_backup` account data: whether the user chose to enable key backup. */
export const KeyBackupContent = t.type({ enabled: t.boolean }, 'KeyBackupContent');
export type KeyBackupContent = t.TypeOf<typeof KeyBackupContent>;
