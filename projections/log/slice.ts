import { subject } from '../decision.js';
import type { Slice } from '../slice.js';
import { logCodes } from './codes.js';

/** Counts of what the log holds: entries by kind, and every rejected input. */
export interface LogSummary {
  entries: number;
  byKind: Record<string, number>;
  rejectedInputs: number;
  lastSeq: number;
  lastReceivedAt: number;
}

/**
 * The `log` slice. Rejected inputs become `input.rejected` decisions here, so a bad
 * input is visible in `decisions`, `explain` and reports like any other refusal.
 */
export const logSlice: Slice<LogSummary> = {
  name: 'log',
  version: 1,
  initial: () => ({ entries: 0, byKind: {}, rejectedInputs: 0, lastSeq: -1, lastReceivedAt: 0 }),
  // Counters only, and no other slice reads them: folded on a copy, not through a draft.
  copy: (s) => ({ entries: s.entries, byKind: { ...s.byKind }, rejectedInputs: s.rejectedInputs, lastSeq: s.lastSeq, lastReceivedAt: s.lastReceivedAt }),
  reduce(draft, entry, ctx) {
    draft.entries++;
    const byKind = draft.byKind;
    byKind[entry.kind] = (byKind[entry.kind] ?? 0) + 1;
    draft.lastSeq = entry.seq;
    draft.lastReceivedAt = entry.receivedAt;
    if (entry.kind === 'rejected_input') {
      const p = entry.payload;
      draft.rejectedInputs++;
      const about = subject('input', entry.seq);
      // A rejection more specific than "not a valid envelope" carries its own listed code.
      const code = p.code !== undefined && Object.prototype.hasOwnProperty.call(logCodes, p.code) ? p.code : 'input.rejected';
      ctx.decide({
        code,
        outcome: 'rejected',
        subject: about.text,
        parts: about.parts,
        because: [],
        detail: { path: p.path, message: p.message },
      });
    }
  },
};

/** Selector: the summary of the log as folded so far. */
export function logSummary(root: Readonly<Record<string, unknown>>): LogSummary {
  return root[logSlice.name] as LogSummary;
}
