import type { Decision } from '../../projections/decision.js';
import { canonicalJson } from '../canonical.js';
import { explainDecision, type ExplainedDecision } from './decision-view.js';

/** What differs between two decisions matched by (seq, subject, slice). */
export type DecisionField = 'code' | 'outcome' | 'because' | 'detail';

/**
 * One decision that appears, disappears or differs between two evaluations of a log.
 * `fields` names what differs for a `changed` one (`code`/`outcome` first: a different
 * verdict; `because`/`detail` alone: the same verdict on other grounds).
 */
export interface DecisionChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly seq: number;
  readonly subject: string;
  readonly slice: string;
  readonly before: ExplainedDecision | null;
  readonly after: ExplainedDecision | null;
  readonly fields: readonly DecisionField[];
}

const keyOf = (d: Decision) => `${d.seq} ${d.slice} ${d.subject}`;
const fieldsOf = (a: Decision, b: Decision): DecisionField[] => {
  const out: DecisionField[] = [];
  if (a.code !== b.code) out.push('code');
  if (a.outcome !== b.outcome) out.push('outcome');
  if (canonicalJson(a.because) !== canonicalJson(b.because)) out.push('because');
  if (canonicalJson(a.detail ?? null) !== canonicalJson(b.detail ?? null)) out.push('detail');
  return out;
};

/**
 * Compares two decision lists, matching by (seq, subject, slice). One entry may decide
 * several things about one subject (a user's self-signing and user-signing keys), so
 * within a match group identical decisions pair first, then ones with the same code, then
 * the rest in order; what is left over was added or removed. Ordered by seq.
 */
export function diffDecisions(before: readonly Decision[], after: readonly Decision[]): DecisionChange[] {
  const groups = new Map<string, { before: Decision[]; after: Decision[] }>();
  const group = (d: Decision) => {
    let g = groups.get(keyOf(d));
    if (g === undefined) groups.set(keyOf(d), (g = { before: [], after: [] }));
    return g;
  };
  for (const d of before) group(d).before.push(d);
  for (const d of after) group(d).after.push(d);
  const changes: DecisionChange[] = [];
  for (const g of groups.values()) {
    const left = [...g.before];
    const right = [...g.after];
    const pairs: [Decision, Decision][] = [];
    const take = (same: (a: Decision, b: Decision) => boolean) => {
      for (let i = 0; i < left.length; i++) {
        const j = right.findIndex((b) => same(left[i]!, b));
        if (j < 0) continue;
        pairs.push([left[i]!, right[j]!]);
        left.splice(i--, 1);
        right.splice(j, 1);
      }
    };
    take((a, b) => fieldsOf(a, b).length === 0);
    take((a, b) => a.code === b.code);
    take(() => true);
    for (const [a, b] of pairs) {
      const fields = fieldsOf(a, b);
      if (fields.length > 0) changes.push({ change: 'changed', seq: a.seq, subject: a.subject, slice: a.slice, before: explainDecision(a), after: explainDecision(b), fields });
    }
    for (const a of left) changes.push({ change: 'removed', seq: a.seq, subject: a.subject, slice: a.slice, before: explainDecision(a), after: null, fields: [] });
    for (const b of right) changes.push({ change: 'added', seq: b.seq, subject: b.subject, slice: b.slice, before: null, after: explainDecision(b), fields: [] });
  }
  return changes.sort((x, y) => x.seq - y.seq);
}

/** Counts of a diff, for a one-line summary. */
export function countChanges(changes: readonly DecisionChange[]): { added: number; removed: number; changed: number; verdictChanged: number } {
  return {
    added: changes.filter((c) => c.change === 'added').length,
    removed: changes.filter((c) => c.change === 'removed').length,
    changed: changes.filter((c) => c.change === 'changed').length,
    verdictChanged: changes.filter((c) => c.fields.includes('code') || c.fields.includes('outcome')).length,
  };
}
