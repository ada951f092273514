import type { Decision } from '../../projections/decision.js';
import { explainDecision, type ExplainedDecision } from './decision-view.js';
import { diffDecisions, type DecisionChange } from './decision-diff.js';
import { inputSeqOf } from './entry-line.js';
import type { LogSource } from './sources/source.js';

/** What leaving entries out of a log would change. */
export interface WhatIfResult {
  /** The seqs asked to skip that are in the log, ascending. */
  readonly skipped: readonly number[];
  /** Facts left out with their input (a fact cannot exist without it). */
  readonly factsSkipped: readonly { readonly seq: number; readonly inputSeq: number }[];
  /** Seqs asked to skip that are not in the log. */
  readonly missing: readonly number[];
  /** Decisions taken at the skipped entries: they go with them. */
  readonly skippedDecisions: readonly ExplainedDecision[];
  /** Decisions elsewhere that appear, disappear or differ. */
  readonly changes: readonly DecisionChange[];
  readonly stateHash: { readonly current: string; readonly whatIf: string; readonly differs: boolean };
}

/**
 * Re-evaluates the log with the entries `skip` left out (as Redux DevTools' skip), with
 * the current rules, and compares it with the log as it is (`source.decisions()`): the
 * decisions that change, and whether the final state differs. Skipping an input skips the
 * facts derived from it. Nothing is written.
 */
export async function whatIf(source: LogSource, skip: Iterable<number>): Promise<WhatIfResult> {
  const asked = new Set(skip);
  const present = new Set<number>();
  const factsSkipped: { seq: number; inputSeq: number }[] = [];
  for await (const e of source.entries()) {
    if (asked.has(e.seq)) present.add(e.seq);
    const input = inputSeqOf(e);
    if (input !== null && asked.has(input) && !asked.has(e.seq)) factsSkipped.push({ seq: e.seq, inputSeq: input });
  }
  const left = new Set([...present, ...factsSkipped.map((f) => f.seq)]);
  const after: Decision[] = [];
  const replayed = await source.replay({ skip: left, onDecision: (d) => after.push(d) });
  const before = await source.decisions();
  const current = source.stateHash();
  const whatIfHash = source.stateHash(replayed.state);
  return {
    skipped: [...present].sort((a, b) => a - b),
    factsSkipped,
    missing: [...asked].filter((s) => !present.has(s)).sort((a, b) => a - b),
    skippedDecisions: before.filter((d) => left.has(d.seq)).map(explainDecision),
    changes: diffDecisions(before.filter((d) => !left.has(d.seq)), after),
    stateHash: { current, whatIf: whatIfHash, differs: current !== whatIfHash },
  };
}
