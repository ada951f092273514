import type { Subject } from '../decision.js';
import { recorderFor, type DecisionDetail } from '../codes.js';
import type { ReduceContext } from '../slice.js';
import { identityCodes } from './codes.js';
import type { Rejection } from './state.js';

type Detail = DecisionDetail;

/** Records a decision of the `identities` slice by code name. */
export const record = recorderFor(identityCodes);

/**
 * Records a rejection once per distinct rejected object: servers list the same devices
 * and keys in every `/keys/query`, and the log needs the first refusal, not thousands.
 */
export function recordRejection(
  ctx: ReduceContext,
  slots: Record<string, Rejection>,
  slot: string,
  rejection: Rejection,
  subject: Subject,
  because: readonly number[],
  detail?: Detail,
): void {
  const last = Object.prototype.hasOwnProperty.call(slots, slot) ? slots[slot] : undefined;
  if (last !== undefined && last.code === rejection.code && last.fingerprint === rejection.fingerprint) return;
  slots[slot] = rejection;
  record(ctx, rejection.code, subject, because, detail);
}
