/**
 * What other slices, the engine and the CLI may ask the `identities` slice. Pure lookups
 * on the ledger state (no crypto: signatures were verified when their entry was folded).
 */
import { hmKeys, hmPeek } from '../hashmap.js';
import { identitiesSlice } from './slice.js';
import { importVerdict, signVerdict, type ImportVerdict, type OwnCrossSigning, type SignVerdict } from './own-identity.js';
import { getOwn, type DeviceRecord, type DeviceRef, type IdentitiesState, type OwnDevice } from './state.js';
import { deviceTrustOf, identityTrustOf, standingCollision, type DeviceTrust, type IdentityStateName, type IdentityTrust } from './trust.js';

import { flowVerdicts } from '../verification/verdicts.js';

type Root = Readonly<Record<string, unknown>>;

function slice(root: Root): IdentitiesState {
  return root[identitiesSlice.name] as IdentitiesState;
}

/** Our own device, once the log's first entry is folded. */
export function ownDevice(root: Root): OwnDevice | null {
  return slice(root).own;
}

/** A device whose keys passed validation (deleted ones included), or undefined. */
export function deviceRecord(root: Root, userId: string, deviceId: string): DeviceRecord | undefined {
  const user = hmPeek(slice(root).users, userId);
  return user === undefined ? undefined : getOwn(user.devices, deviceId);
}

/**
 * How far a device may be trusted: `verified` (verified by the user, cross-signed by a
 * verified identity, or our own device), `cross_signed_tofu` (cross-signed by a pinned,
 * unverified identity), `unverified`, or `blocked` (its keys changed, or its ID collides
 * with a cross-signing key) — with the reason and the seq the answer rests on.
 */
export function deviceTrust(root: Root, userId: string, deviceId: string): DeviceTrust {
  return deviceTrustOf(slice(root), userId, deviceId, flowVerdicts(root));
}

/** True for a `verified` device of our own user (ours included): the only devices keys are shared with. */
export function isOwnVerifiedDevice(root: Root, userId: string, deviceId: string): boolean {
  const state = slice(root);
  return state.own !== null && state.own.userId === userId && deviceTrustOf(state, userId, deviceId, flowVerdicts(root)).level === 'verified';
}

/** The device that owns a curve25519 identity key (only devices whose keys passed validation), for Olm senders. */
export function deviceByCurveKey(root: Root, curve25519: string): DeviceRef | undefined {
  const state = slice(root);
  if (state.own !== null && state.own.curve25519 === curve25519) return { userId: state.own.userId, deviceId: state.own.deviceId };
  return hmPeek(state.byCurveKey, curve25519);
}

/** A user's identity: `verified` | `pinned` | `pin_violation` | `verification_violation` | `unknown`. */
export function identityState(root: Root, userId: string): IdentityStateName {
  return identityTrustOf(slice(root), userId, flowVerdicts(root)).level;
}

/** A user's identity state with its reason, the seq it rests on, and the master keys involved. */
export function identityDetail(root: Root, userId: string): IdentityTrust & { readonly masterKey: string | null; readonly pinnedKey: string | null } {
  const state = slice(root);
  const user = hmPeek(state.users, userId);
  return { ...identityTrustOf(state, userId, flowVerdicts(root)), masterKey: user?.master?.publicKey ?? null, pinnedKey: user?.pinned?.publicKey ?? null };
}

/** Every user the slice knows, sorted. */
export function knownUsers(root: Root): string[] {
  return hmKeys(slice(root).users);
}

/** Every device ID of a user (deleted ones included, our own device when it is this user's), sorted. */
export function knownDevices(root: Root, userId: string): string[] {
  const state = slice(root);
  const ids = new Set(Object.keys(hmPeek(state.users, userId)?.devices ?? {}));
  if (state.own !== null && state.own.userId === userId) ids.add(state.own.deviceId);
  return [...ids].sort();
}

/**
 * The user's first device whose ID equals one of their cross-signing public keys
 * (`device_id_collides_with_cross_signing_key`), if one is flagged: verifying this user is refused.
 */
export function keyIdCollision(root: Root, userId: string): { deviceId: string; key: string; seq: number } | undefined {
  const user = hmPeek(slice(root).users, userId);
  return user === undefined ? undefined : standingCollision(user);
}

/** The private cross-signing keys we hold (their public keys, where they came from), or null. */
export function ownCrossSigningKeys(root: Root): OwnCrossSigning | null {
  return slice(root).ownCrossSigning;
}

/** Whether our own identity is trusted: the master key our last /keys/query listed for us is the one we hold. */
export function ownIdentityTrusted(root: Root): { trusted: boolean; reason: string; listed: string | null; held: string | null; seq: number } {
  const state = slice(root);
  const ours = state.ownCrossSigning;
  const listed = state.own === null ? null : (hmPeek(state.users, state.own.userId)?.master?.publicKey ?? null);
  const held = ours?.master ?? null;
  if (held === null) return { trusted: false, reason: 'own_cross_signing.none', listed, held, seq: -1 };
  if (listed === null) return { trusted: false, reason: 'identity.unknown', listed, held, seq: ours!.seq };
  const id = identityTrustOf(state, state.own!.userId);
  return { trusted: id.level === 'verified' && id.reason === 'own_identity.trusted', reason: id.level === 'verified' ? id.reason : listed === held ? id.reason : 'own_identity.master_mismatch', listed, held, seq: id.seq };
}

/** Whether private keys with these public keys may be imported (each must be the one our identity publishes). */
export function crossSigningImportVerdict(root: Root, offered: { master?: string; self_signing?: string; user_signing?: string }): ImportVerdict {
  return importVerdict(slice(root), offered);
}

/** What signing a device of ours or another user's master key would sign, or why it is refused. */
export function crossSignVerdict(root: Root, request: { action: 'sign_device'; device_id: string } | { action: 'sign_user'; user_id: string }): SignVerdict {
  const state = slice(root);
  return signVerdict(state, state.ownCrossSigning, request);
}

/** The cross-signing public keys our last /keys/query listed for our own user (null: none). */
export function ownPublishedCrossSigning(root: Root): { master: string | null; selfSigning: string | null; userSigning: string | null } {
  const state = slice(root);
  const user = state.own === null ? undefined : hmPeek(state.users, state.own.userId);
  return { master: user?.master?.publicKey ?? null, selfSigning: user?.selfSigning?.publicKey ?? null, userSigning: user?.userSigning?.publicKey ?? null };
}
