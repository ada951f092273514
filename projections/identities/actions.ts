/**
 * The user's own decisions (`user_action` entries): verifying a device or an identity,
 * approving a changed identity. Each names the key by its public key and is accepted only
 * for the key that is current when it is folded, so trust is pinned to that key: a later
 * change undoes nothing silently, it surfaces as a violation.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { EntryOf } from '../../events/entry.js';
import { decodeWith } from '../../events/decode.js';
import {
  IdentityAction, identityActionCodecs, type ApproveIdentityAction, type VerifyDeviceAction, type VerifyIdentityAction,
} from '../../events/user-actions.js';
import { subject } from '../decision.js';
import { hmGet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import { record } from './decide.js';
import { earlier, getOwn, type IdentitiesState } from './state.js';
import { standingCollision } from './trust.js';

/** Folds one `user_action` entry; actions of other slices are left alone. */
export function foldUserAction(state: IdentitiesState, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const action: unknown = entry.payload.action;
  if (typeof action !== 'string' || !Object.prototype.hasOwnProperty.call(identityActionCodecs, action)) return;
  const decoded = decodeWith(IdentityAction, entry.payload);
  if (isLeft(decoded)) return; // the envelope codec already refused such input
  const a = decoded.right;
  switch (a.action) {
    case 'verify_device':
      return verifyDevice(state, a, entry, ctx);
    case 'verify_identity':
      return verifyIdentity(state, a, entry, ctx);
    case 'approve_identity':
      return approveIdentity(state, a, entry, ctx);
    default: {
      const never: never = a;
      return never;
    }
  }
}

function verifyDevice(state: IdentitiesState, a: VerifyDeviceAction, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const about = subject('device', a.user_id, a.device_id);
  const refuse = (reason: string, because: readonly number[] = []) => record(ctx, 'device.verification_refused', about, because, { reason, ed25519: a.ed25519 });
  const own = state.own;
  if (own !== null && own.userId === a.user_id && own.deviceId === a.device_id) {
    // Our own device needs no verification; the key must still be ours.
    if (a.ed25519 !== own.ed25519) return refuse('not the device\'s ed25519 key', earlier(entry.seq, own.seq));
    return record(ctx, 'device.verified', about, earlier(entry.seq, own.seq), { ed25519: a.ed25519, own: true });
  }
  const user = hmGet(state.users, a.user_id);
  const device = user === undefined ? undefined : getOwn(user.devices, a.device_id);
  if (user === undefined || device === undefined) return refuse('unknown device');
  const collision = standingCollision(user);
  if (collision !== undefined) return refuse(`the user has a device ID equal to a cross-signing key (${collision.deviceId})`, earlier(entry.seq, collision.seq));
  if (device.keysChanged !== null) return refuse('the server listed other keys for this device', earlier(entry.seq, device.keysChanged.seq));
  if (device.deleted !== null) return refuse('the device is deleted', earlier(entry.seq, device.deleted.seq));
  if (a.ed25519 !== device.ed25519) return refuse('not the device\'s ed25519 key', earlier(entry.seq, device.addedSeq));
  device.verified = { ed25519: a.ed25519, seq: entry.seq };
  record(ctx, 'device.verified', about, earlier(entry.seq, device.addedSeq), { ed25519: a.ed25519 });
}

function verifyIdentity(state: IdentitiesState, a: VerifyIdentityAction, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const about = subject('user', a.user_id);
  const user = hmGet(state.users, a.user_id);
  const refuse = (reason: string, because: readonly number[] = []) => record(ctx, 'identity.verification_refused', about, because, { reason, master_key: a.master_key });
  if (user === undefined || user.master === null) return refuse('no master key known');
  const collision = standingCollision(user);
  if (collision !== undefined) return refuse(`the user has a device ID equal to a cross-signing key (${collision.deviceId})`, earlier(entry.seq, collision.seq));
  if (a.master_key !== user.master.publicKey) return refuse('not the current master key', earlier(entry.seq, user.master.seq));
  user.verified = { masterKey: a.master_key, seq: entry.seq };
  // Checking the key out of band is a stronger answer than approving a change: it pins too.
  const resolved = user.pinned?.publicKey !== a.master_key;
  if (resolved) user.pinned = { publicKey: a.master_key, seq: entry.seq };
  record(ctx, 'identity.verified', about, earlier(entry.seq, user.master.seq), { master_key: a.master_key, resolved_change: resolved });
}

function approveIdentity(state: IdentitiesState, a: ApproveIdentityAction, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const about = subject('user', a.user_id);
  const user = hmGet(state.users, a.user_id);
  const refuse = (reason: string, because: readonly number[] = []) => record(ctx, 'identity.approval_refused', about, because, { reason, master_key: a.master_key });
  if (user === undefined || user.master === null || user.pinned === null) return refuse('no master key known');
  if (a.master_key !== user.master.publicKey) return refuse('not the current master key', earlier(entry.seq, user.master.seq));
  const previous = user.pinned;
  if (previous.publicKey === a.master_key) {
    return record(ctx, 'identity.approved', about, earlier(entry.seq, previous.seq), { master_key: a.master_key, unchanged: true });
  }
  user.pinned = { publicKey: a.master_key, seq: entry.seq };
  record(ctx, 'identity.approved', about, earlier(entry.seq, user.change?.seq, user.master.seq), {
    master_key: a.master_key,
    previous: previous.publicKey,
    was_verified: user.change?.wasVerified ?? false,
  });
}
