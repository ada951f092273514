import type { DecisionOutcome, Subject } from './decision.js';
import type { ReduceContext } from './slice.js';

/**
 * A stable reason code and the spec sentence it enforces. Every slice lists its codes in
 * a `codes.ts`; the README's decision table is generated from these lists
 * (`npm run decision-table`) and a test checks that every code a reducer uses is listed.
 */
export interface ReasonCode {
  readonly code: string;
  readonly outcome: DecisionOutcome;
  /** What happened, in one line. */
  readonly summary: string;
  /** The spec sentence quoted verbatim (or "beyond the spec: …" with the reason). */
  readonly spec: string;
  /** Where the sentence is: a section of the E2EE module, or the seed change. */
  readonly section: string;
}

/** Builds a code list keyed by code, checking there are no duplicates. */
export function defineCodes<const C extends readonly ReasonCode[]>(codes: C): { readonly [K in C[number]['code']]: ReasonCode } {
  const out: Record<string, ReasonCode> = {};
  for (const c of codes) {
    if (out[c.code] !== undefined) throw new Error(`reason code ${c.code} defined twice`);
    out[c.code] = c;
  }
  return out as { readonly [K in C[number]['code']]: ReasonCode };
}

/** Small, secret-free details of a decision. */
export type DecisionDetail = Readonly<Record<string, string | number | boolean | null>>;

/**
 * A slice's `record(ctx, code, subject, because, detail?)`: the outcome comes from the
 * code list, so a decision can only use a listed code (the compiler checks the name), and
 * the subject is built by `subject()`, so its string and its parts always agree.
 */
export function recorderFor<C extends { readonly [code: string]: ReasonCode }>(codes: C) {
  return (ctx: ReduceContext, code: keyof C & string, about: Subject, because: readonly number[], detail?: DecisionDetail): void => {
    const c = codes[code]!;
    ctx.decide({ code: c.code, outcome: c.outcome, subject: about.text, parts: about.parts, because, ...(detail === undefined ? {} : { detail }) });
  };
}

/** `because` of a decision: the earlier entries among `seqs`, ascending, once each. */
export function earlier(current: number, ...seqs: readonly (number | undefined | null)[]): number[] {
  const out = new Set<number>();
  for (const s of seqs) if (typeof s === 'number' && s >= 0 && s < current) out.add(s);
  return [...out].sort((a, b) => a - b);
}
