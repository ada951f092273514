import { earlier } from '../olm/decide.js';
import type { ReduceContext } from '../slice.js';
import { megolmCodes, type MegolmCode } from './codes.js';

type Detail = Readonly<Record<string, string | number | boolean | null>>;

export { earlier };

/** Records a decision of this slice by code name (the outcome comes from the code list). */
export function record(ctx: ReduceContext, code: MegolmCode, subject: string, because: readonly number[], detail?: Detail): void {
  const c = megolmCodes[code];
  ctx.decide({ code: c.code, outcome: c.outcome, subject, because, ...(detail === undefined ? {} : { detail }) });
}
