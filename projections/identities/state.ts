/**
 * The state of the `identities` slice: facts that were verified when their entry was
 * folded (signatures checked with the crypto port), never raw server claims. Trust is
 * derived from these facts by pure lookups (`trust.ts`).
 */
import { emptyHashedMap, hmGet, hmSet, type HashedMap } from '../hashmap.js';
import type { IdentityCode } from './codes.js';
import type { OwnCrossSigning } from './own-identity.js';

/** Our own device, from the log's first entry. */
export interface OwnDevice {
  userId: string;
  deviceId: string;
  curve25519: string;
  ed25519: string;
  /** The `ledger_created` entry. */
  seq: number;
}

/** A device whose keys passed validation once; its keys never change afterwards. */
export interface DeviceRecord {
  deviceId: string;
  ed25519: string;
  curve25519: string;
  /**
   * Canonical JSON of the device keys as last validly listed, without `unsigned` and with
   * only its own user's signatures: kept so cross-signing can be re-checked when the
   * self-signing key changes, and so an unchanged re-listing costs no crypto.
   */
  signedJson: string;
  /** The entry that first listed these keys. */
  addedSeq: number;
  /** The self-signing public key whose signature on these keys verified, and since when. */
  crossSigned: { by: string; seq: number } | null;
  /** A `verify_device` action accepted for exactly this ed25519 key. */
  verified: { ed25519: string; seq: number } | null;
  /** Missing from a later complete listing of its user. */
  deleted: { seq: number } | null;
  /** The server later listed other keys under this device ID: never trusted again. */
  keysChanged: { seq: number } | null;
}

/** A cross-signing key that passed validation. */
export interface CrossSigningRecord {
  publicKey: string;
  /** The entry where this key became current. */
  seq: number;
  /** Canonical JSON without `unsigned`, for re-checking signatures on it later. */
  signedJson: string;
  /** For a self-signing or user-signing key: the master public key whose signature verified. */
  signedBy: string | null;
}

/** The last rejection noted for one listed object, so a repeated listing is not re-decided. */
export interface Rejection {
  code: IdentityCode;
  seq: number;
  /** Canonical JSON of what was rejected: a different bad object is a new decision. */
  fingerprint: string;
}

/** What is known about one user. */
export interface UserRecord {
  userId: string;
  /** Device ID → device (deleted ones kept: the log keeps their history). */
  devices: Record<string, DeviceRecord>;
  /** Device ID → last rejected listing (never added, or rejected since). Absent until the first one (most users never have one). */
  deviceRejections?: Record<string, Rejection>;
  /** `master` / `self_signing` / `user_signing` → last rejected key. */
  keyRejections?: Record<string, Rejection>;
  master: CrossSigningRecord | null;
  selfSigning: CrossSigningRecord | null;
  /** Only for our own user: servers show a user-signing key to its owner only. */
  userSigning: CrossSigningRecord | null;
  /** The master key trusted on first use, or approved / verified since. */
  pinned: { publicKey: string; seq: number } | null;
  /** The last master key change away from the pinned key, and whether the user was verified just before. */
  change: { from: string; to: string; seq: number; wasVerified: boolean } | null;
  /** A `verify_identity` action accepted for exactly this master key. */
  verified: { masterKey: string; seq: number } | null;
  /** Our user-signing key's signature on this user's current master key verified. */
  userSigned: { by: string; master: string; seq: number } | null;
  /** Device ID → the cross-signing public key it collides with (flagged once, forever). Absent until the first one. */
  collisions?: Record<string, { key: string; seq: number }>;
}

/** `curve25519` → the device that owns it (validated devices only). */
export interface DeviceRef {
  userId: string;
  deviceId: string;
}

/** The slice state: our own device, every user by ID, and the curve25519 index (both hashed, so an update costs the same at 100k users). */
export interface IdentitiesState {
  own: OwnDevice | null;
  users: HashedMap<UserRecord>;
  byCurveKey: HashedMap<DeviceRef>;
  /** The private cross-signing keys we hold (public keys), or null: none. */
  ownCrossSigning: OwnCrossSigning | null;
}

/** The empty state, before the log's first entry. */
export function initialIdentities(): IdentitiesState {
  return { own: null, users: emptyHashedMap(), byCurveKey: emptyHashedMap(), ownCrossSigning: null };
}

/** The user's record, created empty on first mention (on a draft). */
export function ensureUser(state: IdentitiesState, userId: string): UserRecord {
  const known = hmGet(state.users, userId);
  if (known !== undefined) return known;
  hmSet(state.users, userId, {
    userId,
    devices: {},
    master: null,
    selfSigning: null,
    userSigning: null,
    pinned: null,
    change: null,
    verified: null,
    userSigned: null,
  });
  return hmGet(state.users, userId)!;
}

/** `because` of a decision: the one definition, in `codes.ts`. */
export { earlier } from '../codes.js';

/** `record[key]` only if it is the record's own entry (a device ID may be `constructor`). */
export function getOwn<V>(record: Record<string, V> | undefined, key: string): V | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Removes `record[key]` if it is there (touching nothing otherwise, so immer copies nothing). */
export function deleteOwn<V>(record: Record<string, V> | undefined, key: string): void {
  if (getOwn(record, key) !== undefined) delete record![key];
}

/**
 * IDs the state cannot hold as record keys: assigning `__proto__` would replace an
 * object's prototype instead of adding an entry. Matrix IDs never look like this, so a
 * listing under such an ID is refused as malformed.
 */
export function isReservedId(id: string): boolean {
  return id === '__proto__';
}
