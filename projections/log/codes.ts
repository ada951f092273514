import { defineCodes } from '../codes.js';

/** Reason codes of the `log` slice and the engine itself. */
export const logCodes = defineCodes([
  {
    code: 'input.rejected',
    outcome: 'rejected',
    summary: 'An input was not valid JSON or not a valid envelope; it is logged with the raw text and the decoder path.',
    spec: 'beyond the spec: the design rule "bad input is never dropped silently and never throws out of the engine"',
    section: 'DESIGN.md, The log',
  },
  {
    code: 'engine.reducer_failed',
    outcome: 'flagged',
    summary: 'A reducer threw on an entry (a bug); the fold went on and the failure is on record.',
    spec: 'beyond the spec: bad input never crashes the engine',
    section: 'DESIGN.md, Projections',
  },
] as const);
