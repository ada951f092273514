import type { ReduceContext } from '../slice.js';
import { olmCodes, type OlmCode } from './codes.js';

type Detail = Readonly<Record<string, string | number | boolean | null>>;

/** Records a decision of this slice by code name (the outcome comes from the code list). */
export function record(ctx: ReduceContext, code: OlmCode, subject: string, because: readonly number[], detail?: Detail): void {
  const c = olmCodes[code];
  ctx.decide({ code: c.code, outcome: c.outcome, subject, because, ...(detail === undefined ? {} : { detail }) });
}

/** `because` of a decision: the earlier entries among `seqs`, ascending, once each. */
export function earlier(current: number, ...seqs: readonly (number | undefined | null)[]): number[] {
  const out = new Set<number>();
  for (const s of seqs) if (typeof s === 'number' && s >= 0 && s < current) out.add(s);
  return [...out].sort((a, b) => a - b);
}
