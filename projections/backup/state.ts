/**
 * The state of the `backup` slice: the server's current key backup version with the
 * signatures on its `auth_data` as they were checked, the backup public keys whose private
 * key we hold from a trusted source, the last trust verdict recorded, and the secret
 * storage account data (key descriptions and encrypted secrets, as the server gave them).
 */
import { emptyHashedMap, type HashedMap } from '../hashmap.js';
import type { BackupCode } from './codes.js';

/** Who made a signature on `auth_data`, as far as we know the key. */
export type SignerKind = 'master' | 'device' | 'unknown';

/** One signature by our own user on the backup's `auth_data`, checked when it was folded. */
export interface SignatureCheck {
  /** `ed25519:<master public key or device ID>`. */
  keyId: string;
  signer: SignerKind;
  /** For a device signature: the device ID. */
  deviceId: string | null;
  /** The public key it was checked against (null for an unknown signer). */
  publicKey: string | null;
  /** Null when the signer is unknown (nothing to check against). */
  valid: boolean | null;
}

/** The server's current backup version. */
export interface BackupVersionRecord {
  version: string;
  algorithm: string;
  /** The `backup_version` entry that gave it (the latest, if repeated). */
  seq: number;
  /** Canonical JSON of `auth_data`, to see a change under the same version. */
  authDataJson: string;
  /** `auth_data.public_key` when it is a curve25519 public key, else null. */
  publicKey: string | null;
  /** Signatures by our own user, in key ID order (at most {@link MAX_SIGNATURES}). */
  signatures: SignatureCheck[];
}

/** A backup public key whose private key came from a trusted source. */
export interface TrustedBackupKey {
  /** The `secret_stored` fact. */
  seq: number;
  source: string;
}

/** One 4S account data event as received. */
export interface AccountDataRecord {
  seq: number;
  content: Record<string, unknown>;
}

export interface BackupState {
  version: BackupVersionRecord | null;
  /** Backup public key → where its private key came from (the latest). */
  trustedKeys: Record<string, TrustedBackupKey>;
  /** The last trust verdict recorded for the current version. */
  verdict: { code: BackupCode; seq: number } | null;
  /** Secret storage account data by type (`m.secret_storage.*`, `m.cross_signing.*`, `m.megolm_backup.v1`). */
  accountData: Record<string, AccountDataRecord>;
  /**
   * Sessions sent to the current version (a `keys_backup` request made): megolm session key
   * → the key's fact seq sent. Emptied when the version changes.
   */
  backedUp: HashedMap<number>;
}

/** Signatures of our user on one `auth_data` that are checked (anything beyond is ignored). */
export const MAX_SIGNATURES = 16;
/** Secret storage account data types kept (a server could send any number). */
export const MAX_ACCOUNT_DATA = 64;

export function initialBackup(): BackupState {
  return { version: null, trustedKeys: {}, verdict: null, accountData: {}, backedUp: emptyHashedMap() };
}

/** The account data types this slice keeps. */
export function isSecretStorageType(type: string): boolean {
  return type === 'm.secret_storage.default_key' || type.startsWith('m.secret_storage.key.') || type.startsWith('m.cross_signing.') || type === 'm.megolm_backup.v1';
}
