/**
 * The decryption trust requirement, as matrix-sdk-crypto's `TrustRequirement`: how far a
 * room event's sender device must be trusted for its plaintext to be handed to the client.
 */
import { identityDetail } from '../projections/identities/selectors.js';
import type { SessionProvenance } from '../projections/megolm/selectors.js';
import type { LedgerState } from './runtime/projector.js';

/**
 * - `untrusted`: decrypt events from everyone, whatever their trust (the default).
 * - `cross_signed_or_legacy`: only from devices cross-signed by their owner, or from
 *   "legacy" devices: those of a user who has published no cross-signing identity.
 * - `cross_signed`: only from devices cross-signed by their owner.
 *
 * Stricter than matrix-sdk-crypto in one place only: a device of a user whose verified
 * identity changed (a verification violation) never meets a requirement, as there. A
 * device verified by the user (or our own) always meets it. matrix-sdk-crypto's "legacy
 * sessions" (stored before it tracked sender data) have no counterpart: a ledger knows
 * where every session came from.
 */
export type TrustRequirement = 'untrusted' | 'cross_signed_or_legacy' | 'cross_signed';

/**
 * Why a sender falls short of a requirement, after matrix-sdk-crypto's decryption error
 * codes: `unauthenticated_session` (the session cannot be tied to its sender device:
 * forwarded, backed up, imported, or its device never listed), `unknown_device` (unknown or
 * deleted), `unsigned_device` (not cross-signed by its owner), `verification_violation`,
 * `blocked_device` (its keys changed, or its ID collides with a cross-signing key).
 */
export type TrustShortfall = 'unauthenticated_session' | 'unknown_device' | 'unsigned_device' | 'verification_violation' | 'blocked_device';

/** Null when the session's sender meets `requirement`; else why not, and the entry that answer rests on. */
export function trustShortfall(state: LedgerState, requirement: TrustRequirement, provenance: SessionProvenance): { reason: TrustShortfall; seq: number } | null {
  if (requirement === 'untrusted') return null;
  const { session, senderDevice, senderTrust } = provenance;
  if (session.authenticity !== 'authenticated') return { reason: 'unauthenticated_session', seq: session.keySeq };
  if (senderDevice === null || senderTrust === null) return { reason: 'unknown_device', seq: session.keySeq };
  switch (senderTrust.level) {
    case 'verified':
    case 'cross_signed_tofu':
      return null;
    case 'blocked':
      return { reason: 'blocked_device', seq: senderTrust.seq };
    case 'unverified':
      break;
  }
  switch (senderTrust.reason) {
    case 'identity.verification_violation':
      return { reason: 'verification_violation', seq: senderTrust.seq };
    // Cross-signed by a new master key not approved yet: still cross-signed by its owner
    // (matrix-sdk-crypto's "SenderUnverified"); the shield says the identity changed.
    case 'identity.changed':
      return null;
    case 'device.not_cross_signed': {
      const legacy = requirement === 'cross_signed_or_legacy' && identityDetail(state, senderDevice.userId).masterKey === null;
      return legacy ? null : { reason: 'unsigned_device', seq: senderTrust.seq };
    }
    default:
      return { reason: 'unknown_device', seq: senderTrust.seq };
  }
}
