import type { DecisionOutcome } from './decision.js';

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
