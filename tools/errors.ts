import { CommanderError } from 'commander';
import { KeyledgerError, LedgerNotFoundError, storeError } from '../src/index.js';
import { OutputClosedError } from './io.js';

/**
 * The exit codes of every command, one meaning each (the README's table; a test holds
 * every command to it). A script tells "the answer is no" from "I called it wrong" from
 * "it could not run".
 */
export const EXIT = {
  /** Done; the answer is on stdout (`report` and `ingest` exit 0 whatever the log holds). */
  OK: 0,
  /** Done, and the answer is no: `verify` found the log broken; `explain`, `why-utd`, `what-if` found nothing about what was asked. */
  FINDING: 1,
  /** Not run, the call is wrong: an unknown command or option, a bad value, options that do not fit together or this log (`rejudge` on an export). */
  USAGE: 2,
  /** Could not run: no ledger or file, the ledger locked or corrupt, a wrong store key, a read or write that failed, an unexpected error. */
  FAILED: 3,
  /** Interrupted (Ctrl-C during `ingest`): what was read before is written. */
  INTERRUPTED: 130,
} as const;

/** An error the CLI itself raises (bad usage, unreadable file): its message is for the user. */
export class CliError extends Error {
  constructor(
    message: string,
    /** One of {@link EXIT}: `USAGE` when the call itself is wrong, `FINDING` for "not there". */
    readonly exitCode: number = EXIT.FAILED,
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
  // The library names its own call; on the command line the way to a ledger is `init`,
  // or an export to read instead.
  if (err instanceof LedgerNotFoundError) return `no ledger at ${err.path} (create one with \`keyledger init\`, or read an export with --source FILE)`;
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

/** Commander's ways of ending that are not errors: help and version were asked for. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync']);

/** The exit code for an error caught at the top (see {@link EXIT}). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof OutputClosedError) return EXIT.OK;
  // Commander raises only for the command line itself: an unknown command or option, a
  // missing argument, a value its parser refused.
  if (err instanceof CommanderError) return COMMANDER_OK.has(err.code) || err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (err instanceof CliError) return err.exitCode;
  return EXIT.FAILED;
}
