import type { Decision } from '../projections/decision.js';
import { seqKey } from './log/entry-codec.js';
import type { BatchOp, LedgerStore } from './log/store.js';

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

/** Batch operations that persist decisions beside their entries. */
export function decisionPuts(store: LedgerStore, decisions: readonly Decision[]): BatchOp[] {
  const perSeq = new Map<number, number>();
  return decisions.map((d) => {
    const i = perSeq.get(d.seq) ?? 0;
    perSeq.set(d.seq, i + 1);
    return { type: 'put', sublevel: store.decisions, key: `${seqKey(d.seq)}!${i.toString().padStart(4, '0')}`, value: JSON.stringify(d) } as BatchOp;
  });
}

/** Reads persisted decisions in log order. */
export async function readDecisions(store: LedgerStore, f: DecisionFilter): Promise<Decision[]> {
  const range: { gte?: string; lt?: string } = {};
  if (f.fromSeq !== undefined) range.gte = seqKey(f.fromSeq);
  if (f.toSeq !== undefined) range.lt = seqKey(f.toSeq + 1);
  const out: Decision[] = [];
  for await (const value of store.decisions.values(range)) {
    const d = JSON.parse(value) as Decision;
    if (matches(d, f)) out.push(d);
  }
  return out;
}
