import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Decision } from '../projections/decision.js';
import { matches, type DecisionFilter } from './log/decisions.js';

/**
 * rxjs operators over `ledger.decisions$`, for clients that react as decisions are taken.
 */

/** Only the refusals and flagged anomalies (what a client should show or report). */
export function anomalies(): MonoTypeOperatorFunction<Decision> {
  return filter((d) => d.outcome !== 'accepted');
}

/**
 * Only the decisions a filter selects (the same filter `ledger.decisions()` takes: a code or
 * a code family ending in `.`, a subject or a subject prefix ending in a space, …).
 */
export function decisionsMatching(f: DecisionFilter): MonoTypeOperatorFunction<Decision> {
  return filter((d) => matches(d, f));
}
