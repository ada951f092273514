import type { ReduceContext } from '../slice.js';
import { identityCodes, type IdentityCode } from './codes.js';
import type { Rejection } from './state.js';

type Detail = Readonly<Record<string, string | number | boolean | null>>;

/**
 * Records a decision of this slice by code name: the outcome comes from the code list,
 * so a decision can only use a listed code (the compiler checks the name).
 */
export function record(ctx: ReduceContext, code: IdentityCode, subject: string, because: readonly number[], detail?: Detail): void {
  const c = identityCodes[code];
  ctx.decide({ code: c.code, outcome: c.outcome, subject, because, ...(detail === undefined ? {} : { detail }) });
}

/**
 * Records a rejection once per distinct rejected object: servers list the same devices
 * and keys in every `/keys/query`, and the log needs the first refusal, not thousands.
 */
export function recordRejection(
  ctx: ReduceContext,
  slots: Record<string, Rejection>,
  slot: string,
  rejection: Rejection,
  subject: string,
  because: readonly number[],
  detail?: Detail,
): void {
  const last = Object.prototype.hasOwnProperty.call(slots, slot) ? slots[slot] : undefined;
  if (last !== undefined && last.code === rejection.code && last.fingerprint === rejection.fingerprint) return;
  slots[slot] = rejection;
  record(ctx, rejection.code, subject, because, detail);
}
