import type { Decision } from '../../projections/decision.js';
import { seqKey } from './entry-codec.js';
import { DECISIONS_PREFIX, RECORDED_PREFIX } from './keys.js';
import type { BatchOp, LedgerStore } from './store.js';

/** Which decisions to return; every field narrows, all are optional. */
export interface DecisionFilter {
  /** Exact code, or a prefix ending in `.` (`forwarded_key.`). */
  code?: string;
  outcome?: Decision['outcome'];
  /** Exact subject, or a prefix ending in a space (`device @alice:example.org `). */
  subject?: string;
  slice?: string;
  fromSeq?: number;
  toSeq?: number;
}

export function matches(d: Decision, f: DecisionFilter): boolean {
  if (f.code !== undefined && !(f.code.endsWith('.') ? d.code.startsWith(f.code) : d.code === f.code)) return false;
  if (f.subject !== undefined && !(f.subject.endsWith(' ') ? d.subject.startsWith(f.subject) : d.subject === f.subject)) return false;
  if (f.outcome !== undefined && d.outcome !== f.outcome) return false;
  if (f.slice !== undefined && d.slice !== f.slice) return false;
  if (f.fromSeq !== undefined && d.seq < f.fromSeq) return false;
  if (f.toSeq !== undefined && d.seq > f.toSeq) return false;
  return true;
}

/**
 * Batch operations that persist decisions beside their entries: in `decisions` (the
 * current rules' view, rebuilt when a slice version changes) and, when the entries are
 * being written, in `recorded` (as decided when the log was written: never rewritten, so
 * `rejudge` can compare today's rules with what was decided then).
 *
 * `_store` is not read (the keys are root-level, see `keys.ts`); it is dropped once the
 * batch writer, its caller, has left `ledger.ts`.
 */
export function decisionPuts(decisions: readonly Decision[], alsoRecorded = true): BatchOp[] {
  const perSeq = new Map<number, number>();
  const ops: BatchOp[] = [];
  for (const d of decisions) {
    const i = perSeq.get(d.seq) ?? 0;
    perSeq.set(d.seq, i + 1);
    const key = `${seqKey(d.seq)}!${i.toString().padStart(4, '0')}`;
    const value = JSON.stringify(d);
    // Root-level keys with the sublevels' prefixes: per-op sublevel encoding was a fifth of
    // the cost of an ingest batch.
    ops.push({ type: 'put', key: DECISIONS_PREFIX + key, value } as BatchOp);
    if (alsoRecorded) ops.push({ type: 'put', key: RECORDED_PREFIX + key, value } as BatchOp);
  }
  return ops;
}

/** Reads persisted decisions in log order: the current view, or as recorded when written. */
export async function readDecisions(store: LedgerStore, f: DecisionFilter, which: 'current' | 'recorded' = 'current'): Promise<Decision[]> {
  const out: Decision[] = [];
  for await (const d of iterateDecisions(store, f, which)) out.push(d);
  return out;
}

/** The same, one at a time: memory stays bounded whatever the number of decisions. */
export async function* iterateDecisions(store: LedgerStore, f: DecisionFilter, which: 'current' | 'recorded' = 'current'): AsyncGenerator<Decision> {
  const range: { gte?: string; lt?: string } = {};
  if (f.fromSeq !== undefined) range.gte = seqKey(f.fromSeq);
  if (f.toSeq !== undefined) range.lt = seqKey(f.toSeq + 1);
  for await (const value of (which === 'current' ? store.decisions : store.recorded).values(range)) {
    const d = JSON.parse(value) as Decision;
    if (matches(d, f)) yield d;
  }
}
