/** Text pieces shared by the human output of explain, why-utd, what-if and rejudge. */
import type { DecisionChange, EntryLine, ExplainedDecision } from '../src/index.js';
import { keyValues } from './format.js';

/** `seq 9  2025-11-27T08:00:07.500Z  olm_decrypted  Olm-decrypted …` */
export function entryText(e: EntryLine): string {
  return `seq ${e.seq}  ${e.time}  ${e.kind}  ${e.summary}`;
}

/** `rejected  forwarded_key.untrusted_sender  session !room k s` */
export function decisionText(d: ExplainedDecision): string {
  return `${d.outcome.padEnd(8)}  ${d.code}  ${d.subject}`;
}

/** The detail of a decision as `k=v …`, or nothing. */
export function detailText(d: ExplainedDecision): string {
  return d.detail === null || Object.keys(d.detail).length === 0 ? '' : keyValues(d.detail);
}

/**
 * The spec sentence of every code the decisions name, each once: printing it under every
 * decision would bury the chain under repeated quotations.
 */
export function rulesSection(decisions: Iterable<ExplainedDecision | null>): string[] {
  const seen = new Map<string, ExplainedDecision>();
  for (const d of decisions) if (d !== null && !seen.has(d.code)) seen.set(d.code, d);
  if (seen.size === 0) return [];
  const out = ['', 'Rules (spec sentence for each reason code above):'];
  for (const d of seen.values()) {
    out.push(d.rule === null ? `  ${d.code}: not a code this engine lists (a newer engine wrote it, or the rule is gone)` : `  ${d.code} (${d.rule.section}):`);
    if (d.rule !== null) out.push(`      "${d.rule.spec}"`);
  }
  return out;
}

/** `k: a → b` for each detail field that differs. */
function detailChanges(a: ExplainedDecision, b: ExplainedDecision): string[] {
  const keys = new Set([...Object.keys(a.detail ?? {}), ...Object.keys(b.detail ?? {})]);
  const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
  return [...keys].filter((k) => JSON.stringify(a.detail?.[k]) !== JSON.stringify(b.detail?.[k])).map((k) => `${k}: ${show(a.detail?.[k])} → ${show(b.detail?.[k])}`);
}

/** Lines for one changed/added/removed decision; `was`/`now` name the two sides. */
export function changeLines(c: DecisionChange, was: string, now: string): string[] {
  const head = `seq ${c.seq}  ${c.subject}  (${c.slice})`;
  if (c.change === 'added') return [`+ ${head}`, `    ${now.padEnd(8)}  ${c.after!.outcome} ${c.after!.code}  ${detailText(c.after!)}`.trimEnd()];
  if (c.change === 'removed') return [`- ${head}`, `    ${was.padEnd(8)}  ${c.before!.outcome} ${c.before!.code}  ${detailText(c.before!)}`.trimEnd()];
  const verdict = c.fields.includes('code') || c.fields.includes('outcome');
  const out = [`~ ${head}${verdict ? '' : '  (same verdict, other grounds)'}`];
  if (verdict) out.push(`    ${was.padEnd(8)}  ${c.before!.outcome} ${c.before!.code}`, `    ${now.padEnd(8)}  ${c.after!.outcome} ${c.after!.code}`);
  if (c.fields.includes('because')) out.push(`    because ${c.before!.because.join(',') || '-'} → ${c.after!.because.join(',') || '-'}`);
  for (const line of detailChanges(c.before!, c.after!)) out.push(`    ${line}`);
  return out;
}
