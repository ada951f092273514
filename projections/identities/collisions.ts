/**
 * Device key IDs (`ed25519:DEVICE_ID`) and cross-signing key IDs (`ed25519:PUBLIC_KEY`)
 * share one namespace. A server must never let a device ID equal a cross-signing public
 * key; a malicious one can, so we look for it ourselves (matrix-sdk-crypto relies on
 * pinning keys at the start of a flow only; we do both).
 */
import type { LedgerEntry } from '../../events/entry.js';
import { subject } from '../decision.js';
import type { ReduceContext } from '../slice.js';
import { record } from './decide.js';
import { earlier, getOwn, isReservedId, type UserRecord } from './state.js';

/**
 * Flags every device ID of `user` (stored, rejected, or listed in this entry) that equals
 * one of the user's cross-signing public keys, current or pinned. A flag is permanent:
 * the device is never trusted and verifying the user is refused from then on.
 */
export function flagCollisions(ctx: ReduceContext, user: UserRecord, listed: readonly string[], entry: LedgerEntry): void {
  const keys: [string, string, number][] = [];
  if (user.master !== null) keys.push(['master', user.master.publicKey, user.master.seq]);
  if (user.pinned !== null) keys.push(['pinned master', user.pinned.publicKey, user.pinned.seq]);
  if (user.selfSigning !== null) keys.push(['self_signing', user.selfSigning.publicKey, user.selfSigning.seq]);
  if (user.userSigning !== null) keys.push(['user_signing', user.userSigning.publicKey, user.userSigning.seq]);
  if (keys.length === 0) return;
  const ids = new Set([...Object.keys(user.devices), ...Object.keys(user.deviceRejections ?? {}), ...listed]);
  for (const deviceId of [...ids].sort()) {
    if (isReservedId(deviceId) || getOwn(user.collisions, deviceId) !== undefined) continue;
    const hit = keys.find(([, publicKey]) => publicKey === deviceId);
    if (hit === undefined) continue;
    const [role, publicKey, keySeq] = hit;
    (user.collisions ??= {})[deviceId] = { key: publicKey, seq: entry.seq };
    const device = getOwn(user.devices, deviceId);
    record(ctx, 'device_id_collides_with_cross_signing_key', subject('device', user.userId, deviceId), earlier(entry.seq, keySeq, device?.addedSeq), {
      role,
      key: publicKey,
    });
  }
}
