/**
 * What finished verification flows verified, as the identities trust code reads it: a
 * device's ed25519 key or a user's master key, with the seq of the `verification.done`
 * decision. Reads the `verification` slice's state by name (types only imported), so the
 * identities selectors can use it without an import cycle.
 */
import type { VerificationState, Verified } from './state.js';

type Root = Readonly<Record<string, unknown>>;

/** The lookups `deviceTrustOf` / `identityTrustOf` take: the done seq, or undefined. */
export interface FlowVerdicts {
  device(userId: string, deviceId: string, ed25519: string): number | undefined;
  master(userId: string, masterKey: string): number | undefined;
}

const NONE: FlowVerdicts = { device: () => undefined, master: () => undefined };

function hit(record: Record<string, Verified> | undefined, key: string, publicKey: string): number | undefined {
  if (record === undefined || !Object.prototype.hasOwnProperty.call(record, key)) return undefined;
  const v = record[key]!;
  return v.publicKey === publicKey ? v.seq : undefined;
}

/** The verdicts of the flows in `root` (none when the ledger has no verification slice). */
export function flowVerdicts(root: Root): FlowVerdicts {
  const state = root['verification'] as VerificationState | undefined;
  if (state === undefined) return NONE;
  return {
    device: (userId, deviceId, ed25519) => hit(state.devices, `${userId} ${deviceId}`, ed25519),
    master: (userId, masterKey) => hit(state.masters, userId, masterKey),
  };
}
