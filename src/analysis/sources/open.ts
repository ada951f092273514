import { statSync } from 'node:fs';
import { openLedger } from '../../open.js';
import { ledgerSource } from './ledger-source.js';
import { MemorySource } from './memory-source.js';
import type { LogSource } from './source.js';

/**
 * Opens a ledger folder (read-only) or an NDJSON export as a {@link LogSource}.
 *
 * @throws LedgerNotFoundError, LedgerLockedError (a ledger in use: analyse a copy),
 *   CorruptStoreError (an export line that is not an entry, with its line number).
 */
export async function openLogSource(path: string): Promise<LogSource> {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Not there: openLedger says so in its own words.
  }
  if (isFile) return MemorySource.fromNdjsonFile(path);
  return ledgerSource(await openLedger({ path, readOnly: true }), path);
}
