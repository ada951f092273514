/**
 * Our own cross-signing identity: the private keys we hold (by public key, from the
 * `own_cross_signing_keys` facts), whether the identity the server publishes for us is the
 * one we hold ("own identity trusted"), and the verdicts on importing keys and on signing
 * a device or a user. The verdicts are pure, so the outbound path (which signs) and the
 * fold (which records the decision) reach the same answer.
 */
import type { EntryOf } from '../../events/entry.js';
import type { CrossSigningSource } from '../../events/cross-signing.js';
import { recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmGet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import { ownCrossSigningCodes, type OwnCrossSigningCode } from './own-codes.js';
import { earlier, getOwn, type IdentitiesState, type UserRecord } from './state.js';
import { standingCollision } from './trust.js';

const record = recorderFor(ownCrossSigningCodes);

/** The private cross-signing keys we hold, by public key (null: none for that role). */
export interface OwnCrossSigning {
  master: string | null;
  selfSigning: string | null;
  userSigning: string | null;
  source: CrossSigningSource;
  /** The `own_cross_signing_keys` fact. */
  seq: number;
  /** Whether our identity was last judged trusted (the master key listed for us is ours), and when (null: not judged yet). */
  trusted: { value: boolean; master: string | null; seq: number } | null;
}

/** A refusal with its code, or what to sign. */
export type SignVerdict =
  | { ok: true; userId: string; keyId: string; signedJson: string; by: string }
  | { ok: false; code: OwnCrossSigningCode; detail: Record<string, string | null> };

export type ImportVerdict = { ok: true } | { ok: false; code: OwnCrossSigningCode; detail: Record<string, string | null> };

function ownUser(state: IdentitiesState): UserRecord | undefined {
  return state.own === null ? undefined : hmGet(state.users, state.own.userId);
}

/** The public keys our own identity publishes, as our last /keys/query listed them. */
function published(user: UserRecord | undefined): Record<'master' | 'self_signing' | 'user_signing', string | null> {
  return {
    master: user?.master?.publicKey ?? null,
    self_signing: user?.selfSigning?.publicKey ?? null,
    user_signing: user?.userSigning?.publicKey ?? null,
  };
}

/** Whether private keys with these public keys may be imported: each must be the one our identity publishes. */
export function importVerdict(state: IdentitiesState, offered: { master?: string; self_signing?: string; user_signing?: string }): ImportVerdict {
  const pub = published(ownUser(state));
  const roles = (['master', 'self_signing', 'user_signing'] as const).filter((r) => offered[r] !== undefined);
  if (roles.length === 0) return { ok: false, code: 'own_cross_signing.import_no_identity', detail: { error: 'no key offered' } };
  for (const role of roles) {
    if (pub[role] === null) return { ok: false, code: 'own_cross_signing.import_no_identity', detail: { role, offered: offered[role]! } };
    if (pub[role] !== offered[role]) return { ok: false, code: 'own_cross_signing.import_mismatch', detail: { role, offered: offered[role]!, published: pub[role] } };
  }
  return { ok: true };
}

/**
 * What signing a device of ours (`sign_device`) or a user's master key (`sign_user`) would
 * sign, or why it is refused: we must hold the private key, and it must be the one our
 * identity publishes; the device or identity must be known, unchanged, and free of key-ID
 * collisions.
 */
export function signVerdict(state: IdentitiesState, ours: OwnCrossSigning | null, request: { action: 'sign_device'; device_id: string } | { action: 'sign_user'; user_id: string }): SignVerdict {
  const own = state.own;
  if (own === null) return { ok: false, code: 'cross_sign.unknown_identity', detail: { error: 'no own device' } };
  const me = ownUser(state);
  const pub = published(me);
  if (request.action === 'sign_device') {
    const held = ours?.selfSigning ?? null;
    if (held === null || held !== pub.self_signing) return { ok: false, code: 'cross_sign.no_private_key', detail: { role: 'self_signing', held, published: pub.self_signing } };
    const deviceId = request.device_id;
    if (me === undefined) return { ok: false, code: 'cross_sign.unknown_device', detail: { device_id: deviceId } };
    if (getOwn(me.collisions, deviceId) !== undefined || [pub.master, pub.self_signing, pub.user_signing, me.pinned?.publicKey ?? null].includes(deviceId)) {
      return { ok: false, code: 'cross_sign.key_id_collision', detail: { device_id: deviceId } };
    }
    const device = getOwn(me.devices, deviceId);
    if (device === undefined || device.keysChanged !== null || device.deleted !== null) {
      return { ok: false, code: 'cross_sign.unknown_device', detail: { device_id: deviceId, state: device === undefined ? 'unknown' : device.keysChanged !== null ? 'keys_changed' : 'deleted' } };
    }
    return { ok: true, userId: own.userId, keyId: deviceId, signedJson: device.signedJson, by: held };
  }
  const held = ours?.userSigning ?? null;
  if (held === null || held !== pub.user_signing) return { ok: false, code: 'cross_sign.no_private_key', detail: { role: 'user_signing', held, published: pub.user_signing } };
  const userId = request.user_id;
  if (userId === own.userId) return { ok: false, code: 'cross_sign.unknown_identity', detail: { user_id: userId, error: 'our own master key is signed by our devices, not our user-signing key' } };
  const user = hmGet(state.users, userId);
  if (user === undefined || user.master === null || user.pinned === null || user.master.publicKey !== user.pinned.publicKey) {
    return { ok: false, code: 'cross_sign.unknown_identity', detail: { user_id: userId, master: user?.master?.publicKey ?? null, pinned: user?.pinned?.publicKey ?? null } };
  }
  const collision = standingCollision(user);
  if (collision !== undefined) return { ok: false, code: 'cross_sign.key_id_collision', detail: { user_id: userId, device_id: collision.deviceId } };
  return { ok: true, userId, keyId: user.master.publicKey, signedJson: user.master.signedJson, by: held };
}

/** A `cross_signing` input: an import or a signing that is refused is recorded here (an accepted one by its fact or request). */
export function foldCrossSigning(state: IdentitiesState, entry: EntryOf<'cross_signing'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const own = state.own;
  if (own === null) return;
  const me = ownUser(state);
  if (p.action === 'import') {
    const verdict = importVerdict(state, p);
    if (!verdict.ok) record(ctx, verdict.code, subject('user', own.userId), earlier(entry.seq, me?.master?.seq, me?.selfSigning?.seq, me?.userSigning?.seq), { ...verdict.detail, source: p.source });
    return;
  }
  if (p.action === 'sign_device' || p.action === 'sign_user') {
    const verdict = signVerdict(state, state.ownCrossSigning, p);
    const about = p.action === 'sign_device' ? subject('device', own.userId, p.device_id) : subject('user', p.user_id);
    if (!verdict.ok) {
      record(ctx, verdict.code, about, earlier(entry.seq, state.ownCrossSigning?.seq, me?.master?.seq), verdict.detail);
      return;
    }
    const target = p.action === 'sign_device' ? getOwn(me?.devices, p.device_id)?.addedSeq : hmGet(state.users, p.user_id)?.master?.seq;
    record(ctx, p.action === 'sign_device' ? 'cross_sign.device_signed' : 'cross_sign.user_signed', about, earlier(entry.seq, state.ownCrossSigning?.seq, target), {
      key_id: verdict.keyId,
      by: verdict.by,
    });
  }
}

/** An `own_cross_signing_keys` fact: the private keys we now hold. */
export function foldOwnCrossSigningKeys(state: IdentitiesState, entry: EntryOf<'own_cross_signing_keys'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const own = state.own;
  if (own === null) return;
  state.ownCrossSigning = {
    master: p.master, selfSigning: p.self_signing, userSigning: p.user_signing, source: p.source, seq: entry.seq,
    trusted: state.ownCrossSigning?.trusted ?? null,
  };
  record(ctx, 'own_cross_signing.keys_held', subject('user', own.userId), earlier(entry.seq, p.input_seq), {
    master: p.master, self_signing: p.self_signing, user_signing: p.user_signing, source: p.source,
  });
  recheckOwnIdentity(state, entry.seq, ctx);
}

/**
 * Judges again whether our identity is trusted (the master key our /keys/query lists is
 * the one we hold) and records a change of the answer.
 */
export function recheckOwnIdentity(state: IdentitiesState, seq: number, ctx: ReduceContext): void {
  const ours = state.ownCrossSigning;
  const own = state.own;
  if (ours === null || own === null || ours.master === null) return;
  const me = ownUser(state);
  const listed = me?.master?.publicKey ?? null;
  if (listed === null) return;
  const value = listed === ours.master;
  if (ours.trusted !== null && ours.trusted.value === value && ours.trusted.master === listed) return;
  ours.trusted = { value, master: listed, seq };
  record(ctx, value ? 'own_identity.trusted' : 'own_identity.master_mismatch', subject('user', own.userId), earlier(seq, ours.seq, me?.master?.seq), {
    listed, held: ours.master,
  });
}

/** Our own identity is trusted through the master key we hold: the listed master key is it, and no key-ID collision stands. */
export function ownIdentityHeld(state: IdentitiesState, user: UserRecord): { seq: number } | undefined {
  const ours = state.ownCrossSigning;
  if (state.own === null || user.userId !== state.own.userId || ours === null || ours.master === null || user.master === null) return undefined;
  if (user.master.publicKey !== ours.master || standingCollision(user) !== undefined) return undefined;
  return { seq: Math.max(ours.seq, user.master.seq) };
}
