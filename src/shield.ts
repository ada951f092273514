/**
 * One answer a UI can show beside a room event, after matrix-sdk-crypto's `ShieldState`
 * (its lax variant, as Element shows it): a colour, a stable code and a sentence, derived
 * from what the rules refused, the session's authenticity and the sender device's trust.
 * The README has the table.
 */
import { deviceRecord } from '../projections/identities/selectors.js';
import type { SessionProvenance } from '../projections/megolm/selectors.js';
import type { LedgerState } from './runtime/projector.js';

/** `red`: an important warning; `grey`: a low one; `none`: nothing to warn of. */
export type ShieldColor = 'none' | 'grey' | 'red';

/**
 * matrix-sdk-crypto's `ShieldStateCode` names, in snake case (`authenticity_not_guaranteed`
 * … `mismatched_sender`), and ours: `mismatched_identity_keys` (the sender's device is
 * listed with another Ed25519 key than its room key claimed), `blocked_device`,
 * `replayed_index`, `room_mismatch`.
 */
export type ShieldCode =
  | 'authenticity_not_guaranteed'
  | 'unknown_device'
  | 'unsigned_device'
  | 'unverified_identity'
  | 'verification_violation'
  | 'mismatched_sender'
  | 'mismatched_identity_keys'
  | 'blocked_device'
  | 'replayed_index'
  | 'room_mismatch';

/** What to show beside a message: `code` and `message` are null exactly when `color` is `none`. */
export interface Shield {
  readonly color: ShieldColor;
  readonly code: ShieldCode | null;
  readonly message: string | null;
}

const NONE: Shield = { color: 'none', code: null, message: null };

const red = (code: ShieldCode, message: string): Shield => ({ color: 'red', code, message });
const grey = (code: ShieldCode, message: string): Shield => ({ color: 'grey', code, message });

/** The refusals that withhold a decrypted event, by decision code, most serious first. */
const REFUSED: readonly [string, Shield][] = [
  ['megolm.sender_mismatch', red('mismatched_sender', 'The sender of this message does not own the session it was encrypted with.')],
  ['megolm.room_mismatch', red('room_mismatch', 'This message was encrypted for another room.')],
  ['megolm.replayed_index', red('replayed_index', 'This message reuses the encryption of an earlier message: a replay.')],
];

/**
 * The shield of a room event: `refusals` are the codes of the decisions against it,
 * `provenance` its session's (undefined when no session is stored: nothing to vouch for).
 */
export function shieldOf(state: LedgerState, refusals: readonly string[], provenance: SessionProvenance | undefined): Shield {
  for (const [code, shield] of REFUSED) if (refusals.includes(code)) return shield;
  if (provenance === undefined) return NONE;
  const { session, senderDevice, senderTrust } = provenance;
  if (session.authenticity !== 'authenticated') {
    const device = senderDevice === null ? undefined : deviceRecord(state, senderDevice.userId, senderDevice.deviceId);
    if (session.source.type === 'room_key' && device !== undefined && session.claimedEd25519 !== null && device.ed25519 !== session.claimedEd25519) {
      return red('mismatched_identity_keys', 'The sending device is listed with another signing key than the one its room key claimed.');
    }
    if (session.source.type === 'room_key' && senderDevice === null) return red('unknown_device', 'Encrypted by an unknown or deleted device.');
    return grey('authenticity_not_guaranteed', 'The authenticity of this encrypted message can\'t be guaranteed on this device.');
  }
  if (senderDevice === null || senderTrust === null) return red('unknown_device', 'Encrypted by an unknown or deleted device.');
  switch (senderTrust.level) {
    case 'verified':
    case 'cross_signed_tofu':
      return NONE;
    case 'blocked':
      return red('blocked_device', 'Encrypted by a blocked device: its keys changed, or its ID collides with a cross-signing key.');
    case 'unverified':
      break;
  }
  switch (senderTrust.reason) {
    case 'identity.verification_violation':
      return red('verification_violation', 'The sender\'s verified identity has changed.');
    case 'identity.changed':
      return grey('unverified_identity', 'The sender\'s identity has changed and the change is not approved yet.');
    case 'device.not_cross_signed':
      return red('unsigned_device', 'Encrypted by a device not verified by its owner.');
    default:
      return red('unknown_device', 'Encrypted by an unknown or deleted device.');
  }
}
