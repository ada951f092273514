import { describeEntry, type LedgerEntry } from '../src/index.js';

/**
 * One short line describing an entry, for `keyledger log` and the replay debugger: the
 * library's own `describeEntry` (one summariser for the CLI and the analysis tools alike;
 * it redacts secrets before it reads anything).
 */
export function summarise(entry: LedgerEntry, max = 120): string {
  return describeEntry(entry, max).summary;
}
