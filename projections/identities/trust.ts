/**
 * Trust derived from the stored facts: pure lookups, no crypto (every signature was
 * checked when its entry was folded). The reducer and the selectors share these, so
 * there is one truth.
 */
import { hmPeek } from '../hashmap.js';
import { ownIdentityHeld } from './own-identity.js';
import { getOwn, type DeviceRecord, type IdentitiesState, type UserRecord } from './state.js';
import type { FlowVerdicts } from '../verification/verdicts.js';

/** What we know of a user's cross-signing identity. */
export type IdentityStateName = 'verified' | 'pinned' | 'pin_violation' | 'verification_violation' | 'unknown';

/** How far a device may be trusted. */
export type TrustLevel = 'verified' | 'cross_signed_tofu' | 'unverified' | 'blocked';

/**
 * An answer with its ground: `reason` is a reason code of this slice when a decision
 * holds it (`device.verified`, `identity.changed`, `device_id_collides_with_cross_signing_key`, …), otherwise one of
 * `device.own`, `device.unknown`, `device.not_cross_signed`,
 * `cross_signed.verified_identity`, `cross_signed.pinned_identity`, `identity.unknown`;
 * `seq` is the entry the answer rests on (-1 when none).
 */
export interface Grounded<L extends string> {
  readonly level: L;
  readonly reason: string;
  readonly seq: number;
}

/** A device's trust level, with its reason and seq. */
export type DeviceTrust = Grounded<TrustLevel>;
/** A user's identity state, with its reason and seq. */
export type IdentityTrust = Grounded<IdentityStateName>;

const UNKNOWN_IDENTITY: IdentityTrust = { level: 'unknown', reason: 'identity.unknown', seq: -1 };

/** The decision code a standing key-ID collision is flagged with, and the reason it gives trust. */
export const KEY_ID_COLLISION = 'device_id_collides_with_cross_signing_key';

/**
 * The first (by device ID) of the user's device IDs flagged as equal to one of their
 * cross-signing public keys, if any. A flag stands for good: while it stands, a
 * signature under `ed25519:<that ID>` can be the device's or the cross-signing key's, so
 * nothing about this user is `verified`, by the user's own action or through signatures.
 */
export function standingCollision(user: UserRecord): { deviceId: string; key: string; seq: number } | undefined {
  const ids = Object.keys(user.collisions ?? {}).sort();
  if (ids.length === 0) return undefined;
  const flag = getOwn(user.collisions, ids[0]!)!;
  return { deviceId: ids[0]!, key: flag.key, seq: flag.seq };
}

/** Our own identity is trusted: verified by the user for its current, pinned master key. */
function ownVerified(state: IdentitiesState, own: UserRecord, flows?: FlowVerdicts): IdentityTrust | undefined {
  const id = identityTrustOf(state, own.userId, flows);
  return id.level === 'verified' ? id : undefined;
}

/**
 * Whether our trusted user-signing key signs this user's current master key: our own
 * identity verified, our user-signing key signed by our current master key, and the
 * signature on their master key made by that very key. When only a key-ID collision of
 * our own user stands in the way, the answer is `pinned` with that reason, so it says why.
 */
function verifiedByUserSigning(state: IdentitiesState, user: UserRecord, flows?: FlowVerdicts): IdentityTrust | undefined {
  const own = state.own;
  if (own === null || user.userId === own.userId || user.userSigned === null || user.master === null) return undefined;
  if (user.userSigned.master !== user.master.publicKey) return undefined;
  const ownUser = hmPeek(state.users, own.userId);
  const usk = ownUser?.userSigning;
  if (ownUser === undefined || usk == null || ownUser.master === null || usk.signedBy !== ownUser.master.publicKey) return undefined;
  if (usk.publicKey !== user.userSigned.by) return undefined;
  const ownTrust = ownVerified(state, ownUser, flows);
  if (ownTrust === undefined) {
    const collision = standingCollision(ownUser);
    return collision === undefined ? undefined : { level: 'pinned', reason: KEY_ID_COLLISION, seq: collision.seq };
  }
  return { level: 'verified', reason: 'cross_signing.user_signed', seq: Math.max(user.userSigned.seq, ownTrust.seq, usk.seq) };
}

/**
 * The identity state of a user, with its reason and the entry it rests on. `flows` are
 * the verdicts of finished verification flows (`projections/verification/verdicts.ts`).
 */
export function identityTrustOf(state: IdentitiesState, userId: string, flows?: FlowVerdicts): IdentityTrust {
  const user = hmPeek(state.users, userId);
  if (user === undefined || user.master === null) return UNKNOWN_IDENTITY;
  // Our own identity, when we hold its master key: trusted whatever was pinned before (we made or imported it).
  const held = ownIdentityHeld(state, user);
  if (held !== undefined) return { level: 'verified', reason: 'own_identity.trusted', seq: held.seq };
  if (user.pinned === null) return UNKNOWN_IDENTITY;
  if (user.master.publicKey !== user.pinned.publicKey) {
    // Nothing derived from an unapproved master key is trusted.
    const violation = user.change?.wasVerified === true;
    return {
      level: violation ? 'verification_violation' : 'pin_violation',
      reason: violation ? 'identity.verification_violation' : 'identity.changed',
      seq: user.change?.seq ?? user.master.seq,
    };
  }
  // Judged before any verification: one made before the collision appeared is suspended by it.
  const collision = standingCollision(user);
  if (collision !== undefined) return { level: 'pinned', reason: KEY_ID_COLLISION, seq: collision.seq };
  if (user.verified !== null && user.verified.masterKey === user.master.publicKey) {
    return { level: 'verified', reason: 'identity.verified', seq: user.verified.seq };
  }
  const byFlow = flows?.master(userId, user.master.publicKey);
  if (byFlow !== undefined) return { level: 'verified', reason: 'verification.done', seq: byFlow };
  return verifiedByUserSigning(state, user, flows) ?? { level: 'pinned', reason: 'identity.pinned', seq: user.pinned.seq };
}

/** The device is signed by its user's current self-signing key, itself signed by the current master key. */
export function isCrossSigned(user: UserRecord, device: DeviceRecord): boolean {
  const ssk = user.selfSigning;
  return (
    device.crossSigned !== null &&
    ssk !== null &&
    user.master !== null &&
    device.crossSigned.by === ssk.publicKey &&
    ssk.signedBy === user.master.publicKey
  );
}

/** How far a device may be trusted, with its reason and the entry it rests on. */
export function deviceTrustOf(state: IdentitiesState, userId: string, deviceId: string, flows?: FlowVerdicts): DeviceTrust {
  const own = state.own;
  if (own !== null && own.userId === userId && own.deviceId === deviceId) return { level: 'verified', reason: 'device.own', seq: own.seq };
  const user = hmPeek(state.users, userId);
  if (user === undefined) return { level: 'unverified', reason: 'device.unknown', seq: -1 };
  const collision = getOwn(user.collisions, deviceId);
  if (collision !== undefined) return { level: 'blocked', reason: KEY_ID_COLLISION, seq: collision.seq };
  const device = getOwn(user.devices, deviceId);
  if (device === undefined) {
    const rejected = getOwn(user.deviceRejections, deviceId);
    return rejected === undefined ? { level: 'unverified', reason: 'device.unknown', seq: -1 } : { level: 'unverified', reason: rejected.code, seq: rejected.seq };
  }
  if (device.keysChanged !== null) return { level: 'blocked', reason: 'device_keys.changed', seq: device.keysChanged.seq };
  if (device.deleted !== null) return { level: 'unverified', reason: 'device.deleted', seq: device.deleted.seq };
  // Another device of the user collides: neither a verification nor a cross-signature of this one counts.
  const standing = standingCollision(user);
  if (standing !== undefined) return { level: 'unverified', reason: KEY_ID_COLLISION, seq: standing.seq };
  if (device.verified !== null && device.verified.ed25519 === device.ed25519) return { level: 'verified', reason: 'device.verified', seq: device.verified.seq };
  const byFlow = flows?.device(userId, deviceId, device.ed25519);
  if (byFlow !== undefined) return { level: 'verified', reason: 'verification.done', seq: byFlow };
  if (!isCrossSigned(user, device)) return { level: 'unverified', reason: 'device.not_cross_signed', seq: device.addedSeq };
  const identity = identityTrustOf(state, userId, flows);
  const seq = Math.max(identity.seq, device.crossSigned!.seq);
  switch (identity.level) {
    case 'verified':
      return { level: 'verified', reason: 'cross_signed.verified_identity', seq };
    case 'pinned':
      return { level: 'cross_signed_tofu', reason: 'cross_signed.pinned_identity', seq };
    case 'pin_violation':
    case 'verification_violation':
    case 'unknown':
      return { level: 'unverified', reason: identity.reason, seq: identity.seq };
    default: {
      const never: never = identity.level;
      return never;
    }
  }
}
