import type { Decision } from '../../projections/decision.js';
import type { SliceVersions } from '../runtime/projector.js';
import { diffDecisions, type DecisionChange } from './decision-diff.js';
import type { LogSource } from './sources/source.js';

/** Today's rules against the decisions recorded when the log was written. */
export interface RejudgeResult {
  /** How many decisions were recorded, and how many today's rules take. */
  readonly recorded: number;
  readonly current: number;
  /** `before` is as recorded, `after` as decided today. */
  readonly changes: readonly DecisionChange[];
  /** The slice versions judging today. */
  readonly sliceVersions: SliceVersions;
}

/** What {@link rejudge} needs: a {@link LogSource}, or a `Ledger` opened with other slices. */
export type Rejudgeable = Pick<LogSource, 'replay' | 'recordedDecisions' | 'sliceVersions'>;

/**
 * Replays the log with the current reducers and compares every decision with the one
 * recorded when the log was written, matched by (seq, subject, slice): so "would today's
 * rules have caught this?" has an answer. Replays rather than reading the current
 * decision view, so a rule changed without a version bump is judged too.
 *
 * @returns null when the source holds no recorded decisions (an NDJSON export).
 */
export async function rejudge(source: Rejudgeable): Promise<RejudgeResult | null> {
  const recorded = await source.recordedDecisions();
  if (recorded === null) return null;
  const current: Decision[] = [];
  await source.replay({ onDecision: (d) => current.push(d) });
  return { recorded: recorded.length, current: current.length, changes: diffDecisions(recorded, current), sliceVersions: source.sliceVersions() };
}
