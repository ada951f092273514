import { CommanderError } from 'commander';
import { KeyledgerError, storeError } from '../src/index.js';
import { OutputClosedError } from './io.js';

/** An error the CLI itself raises (bad usage, unreadable file): its message is for the user. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Collapses a message to one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** What the CLI adds to a library error: the command that helps next. */
const CLI_HINTS: Readonly<Record<string, string>> = {
  'ledger.damaged': ' — `keyledger verify` names the entries that can still be read, when the folder opens',
  'store.corrupt': ' — `keyledger verify` names what can still be read; restore the folder from a backup',
};

/**
 * What the user reads for an error: one line, never a stack trace. Engine errors and
 * our own carry human messages; anything else is an unexpected failure, named as such
 * (set KEYLEDGER_DEBUG=1 for the stack).
 */
export function describeError(err: unknown): string {
  if (err instanceof KeyledgerError) return oneLine(`${err.message}${CLI_HINTS[err.code] ?? ''}`);
  if (err instanceof CliError) return oneLine(err.message);
  const e = err as NodeJS.ErrnoException | undefined;
  // A LevelDB error that reached us unnamed: name it as the library does.
  if (typeof e?.code === 'string' && e.code.startsWith('LEVEL_')) return describeError(storeError(err, 'the --db folder'));
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string') {
    // A Node system error: "ENOENT: no such file or directory, open 'x'" is readable as is.
    return oneLine(e.message);
  }
  const message = e instanceof Error ? e.message : String(err);
  return `unexpected error: ${oneLine(message)} (set KEYLEDGER_DEBUG=1 for details)`;
}

/** The exit code for an error caught at the top. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof OutputClosedError) return 0;
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof CliError) return err.exitCode;
  return 1;
}
