/**
 * Whom we share our room keys with: one pure rule, per device, with a reason code. The
 * outbound path sends the key, or `m.room_key.withheld` with the code's withheld code, as
 * this says; the `outbound` slice records the decision.
 */
import type { ShareStrategy } from '../../events/megolm-out.js';
import { deviceRecord, deviceTrust, identityState } from '../identities/selectors.js';
import type { ShareCode } from '../outbound/share-codes.js';

type Root = Readonly<Record<string, unknown>>;

/** May this device get our room key under `strategy`, and if not, why (with the spec's withheld code). */
export type ShareVerdict =
  | { share: true; curve25519: string; ed25519: string; because: number[] }
  | { share: false; code: ShareCode; withheld: 'm.unverified' | 'm.blacklisted'; because: number[] };

/**
 * The rule, in order: a device blocked (keys changed, ID colliding) never gets the key;
 * nor does any device of a user whose identity changed without approval; then the
 * strategy: `all` shares with every other device, `cross_signed` with devices verified or
 * cross-signed by their owner's identity, `verified` with verified devices only. Null for
 * a device that is not (or no longer) listed: there is nobody to send anything to.
 */
export function shareVerdict(root: Root, userId: string, deviceId: string, strategy: ShareStrategy): ShareVerdict | null {
  const device = deviceRecord(root, userId, deviceId);
  if (device === undefined || device.deleted !== null) return null;
  const trust = deviceTrust(root, userId, deviceId);
  const because = [device.addedSeq, trust.seq];
  if (device.keysChanged !== null || trust.level === 'blocked') return { share: false, code: 'room_key_share.blocked', withheld: 'm.blacklisted', because };
  const identity = identityState(root, userId);
  if (identity === 'pin_violation' || identity === 'verification_violation') return { share: false, code: 'room_key_share.identity_changed', withheld: 'm.unverified', because };
  if (strategy === 'verified' && trust.level !== 'verified') return { share: false, code: 'room_key_share.unverified', withheld: 'm.unverified', because };
  if (strategy === 'cross_signed' && trust.level !== 'verified' && trust.level !== 'cross_signed_tofu') {
    return { share: false, code: 'room_key_share.not_cross_signed', withheld: 'm.unverified', because };
  }
  return { share: true, curve25519: device.curve25519, ed25519: device.ed25519, because };
}
