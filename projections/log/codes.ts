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
    code: 'input.too_large',
    outcome: 'rejected',
    summary: 'An input was longer than the ingest limit (16 MiB by default): logged with its length, its SHA-256 and its first bytes, never held whole.',
    spec: 'beyond the spec: an attacker-sized input must not exhaust memory, and "bad input is never dropped silently"',
    section: 'DESIGN.md, The log',
  },
  {
    code: 'input.too_deep',
    outcome: 'rejected',
    summary: 'An input nested its JSON deeper than the bound (64 levels): refused before any walk over it, so nothing recursive ever sees it.',
    spec: 'beyond the spec: the design rule "every walk over received JSON is bounded in depth and size before it starts"',
    section: 'DESIGN.md, The impure steps',
  },
  {
    code: 'input.duplicate_key',
    outcome: 'rejected',
    summary: 'An input had an object with the same key twice: refused (raw text kept, secrets sealed) rather than resolved, since two parsers may pick different duplicates.',
    spec: 'beyond the spec: Matrix canonical JSON has each key once; the design rule "duplicate keys are refused rather than resolved"',
    section: 'DESIGN.md, The impure steps',
  },
  {
    code: 'input.integer_out_of_range',
    outcome: 'rejected',
    summary: 'An input held a number outside the canonical JSON range ±(2^53−1) (JSON.parse would silently round it): refused, raw text kept.',
    spec: 'beyond the spec: Matrix canonical JSON allows only integers in [-(2**53)+1, (2**53)-1]',
    section: 'Appendices: Canonical JSON',
  },
  {
    code: 'input.invalid_utf8',
    outcome: 'rejected',
    summary: 'An input given as bytes was not valid UTF-8: logged with its exact bytes in base64.',
    spec: 'beyond the spec: the log keeps what was received, byte for byte',
    section: 'DESIGN.md, The log',
  },
  {
    code: 'input.unserialisable',
    outcome: 'rejected',
    summary: 'A value passed to ingest could not be serialised (a throwing getter or toJSON, a Proxy, a cycle): rejected on its own, with what could be captured.',
    spec: 'beyond the spec: nothing a caller passes poisons the writer for the other callers',
    section: 'DESIGN.md, The log',
  },
  {
    code: 'engine.ingest_failed',
    outcome: 'rejected',
    summary: 'Ingestion failed on an input (a bug); what it had appended was taken back and the input logged on its own, so the other inputs and later batches go on.',
    spec: 'beyond the spec: one failed input never poisons the writer',
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
