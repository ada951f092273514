/** Our cross-signing identity as the ledger knows it: public keys only, never a private one. */
import { ownCrossSigningKeys, ownIdentityTrusted, ownPublishedCrossSigning } from '../../projections/identities/selectors.js';
import type { CrossSigningStatus } from '../api-types.js';
import type { LedgerState } from '../runtime/projector.js';

export function crossSigningStatus(state: LedgerState): CrossSigningStatus {
  const published = ownPublishedCrossSigning(state);
  const held = ownCrossSigningKeys(state);
  const trust = ownIdentityTrusted(state);
  const holds = (pk: string | null | undefined, pub: string | null) => pk != null && (pub === null || pk === pub);
  return {
    published,
    privateKeys: { master: holds(held?.master, published.master), selfSigning: holds(held?.selfSigning, published.selfSigning), userSigning: holds(held?.userSigning, published.userSigning) },
    held: held === null ? null : { master: held.master, selfSigning: held.selfSigning, userSigning: held.userSigning, source: held.source, seq: held.seq },
    trusted: trust.trusted,
    reason: trust.reason,
    seq: trust.seq,
  };
}
