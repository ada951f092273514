import type { Decision, DecisionOutcome, SubjectParts } from '../../projections/decision.js';
import { reasonCodes } from '../../projections/index.js';
import type { ReasonCode } from '../../projections/codes.js';
import { redactSecrets } from '../redact.js';

/** The rule behind a reason code: its one-line summary and the spec sentence it enforces. */
export interface Rule {
  readonly summary: string;
  readonly spec: string;
  readonly section: string;
}

/** A decision as the analysis tools show it: redacted, with the rule its code stands for. */
export interface ExplainedDecision {
  readonly seq: number;
  readonly slice: string;
  readonly code: string;
  readonly outcome: DecisionOutcome;
  readonly subject: string;
  /** The subject's identifiers as fields; null for a decision recorded before decisions had them. */
  readonly parts: SubjectParts | null;
  readonly because: readonly number[];
  readonly detail: Readonly<Record<string, string | number | boolean | null>> | null;
  /** Null for a code no slice lists (a log written by a newer engine, or a removed rule). */
  readonly rule: Rule | null;
}

let byCode: Map<string, ReasonCode> | undefined;

/** The rule of a reason code, from the slices' code tables. */
export function ruleOf(code: string): Rule | null {
  byCode ??= new Map(reasonCodes.map((c) => [c.code, c]));
  const c = byCode.get(code);
  return c === undefined ? null : { summary: c.summary, spec: c.spec, section: c.section };
}

/** A decision with its rule, secrets redacted (details are meant to be secret-free; this makes sure). */
export function explainDecision(d: Decision): ExplainedDecision {
  const r = redactSecrets(d);
  return { seq: r.seq, slice: r.slice, code: r.code, outcome: r.outcome, subject: r.subject, parts: r.parts ?? null, because: [...r.because], detail: r.detail ?? null, rule: ruleOf(r.code) };
}

/** The identifier words of a subject: everything after its kind (`device`, `session`, …). */
export function subjectWords(subject: string): string[] {
  return subject.split(' ').slice(1);
}
