import { Option, type Command } from 'commander';
import { LedgerNotFoundError, openLedger, openLogSource, type Durability, type Ledger, type LogSource } from '../src/index.js';
import { CliError, EXIT } from './errors.js';
import { LineWriter, type CliIo } from './io.js';

/** Where the ledger lives when neither `--db` nor `KEYLEDGER_DB` says otherwise. */
export const DEFAULT_DB = './data/ledger';
/** The environment variable holding the vault's store key. */
export const STORE_KEY_ENV = 'KEYLEDGER_STORE_KEY';

/**
 * `--source PATH`: the log a read command reads, an NDJSON export (`keyledger export`)
 * or a ledger folder (opened read-only); without it, the global `--db` (which may also
 * name an export). Every command that only reads adds this same option, so a responder
 * who was sent nothing but an export can use all of them on it.
 */
export function sourceOption(): Option {
  return new Option('--source <file>', 'read this NDJSON export (`keyledger export`) or ledger folder instead of --db');
}

/** How a command opens the ledger: `read` never writes and needs no store key. */
export type OpenMode = 'read' | 'read-secrets' | 'write';

/**
 * What every command gets: the streams, the environment, and a way to open the ledger
 * named by the global options. Commands report their exit code through `exitCode`.
 */
export class CliContext {
  readonly out: LineWriter;
  readonly err: LineWriter;
  exitCode = 0;

  constructor(readonly io: CliIo) {
    this.out = new LineWriter(io.stdout);
    this.err = new LineWriter(io.stderr);
  }

  /** The ledger folder chosen by the global `--db` option. */
  dbPath(cmd: Command): string {
    const db = (cmd.optsWithGlobals() as { db?: string }).db;
    return db === undefined || db === '' ? DEFAULT_DB : db;
  }

  /** The log named by `--source` (see {@link sourceOption}), else the `--db` folder. */
  sourcePath(cmd: Command): string {
    const source = (cmd.optsWithGlobals() as { source?: string }).source;
    return source === undefined || source === '' ? this.dbPath(cmd) : source;
  }

  /** Opens the log of `cmd` for analysis (read-only; never needs the store key). */
  openSource(cmd: Command): Promise<LogSource> {
    return openLogSource(this.sourcePath(cmd));
  }

  /** Opens the log of `cmd` for analysis, runs `fn`, and closes it (also when `fn` throws). */
  async withSource<T>(cmd: Command, fn: (source: LogSource) => Promise<T>): Promise<T> {
    const source = await this.openSource(cmd);
    try {
      return await fn(source);
    } finally {
      await source.close().catch(() => undefined);
    }
  }

  /** The store key from the environment, or undefined when it is not set. */
  storeKey(): string | undefined {
    const key = this.io.env[STORE_KEY_ENV];
    if (key === undefined) return undefined;
    if (key === '') throw new CliError(`${STORE_KEY_ENV} is set but empty (unset it, or give the vault's key)`, EXIT.USAGE);
    return key;
  }

  /** The store key, which this command cannot do without. */
  requireStoreKey(): string {
    const key = this.storeKey();
    if (key === undefined) throw new CliError(`the log keeps secrets sealed with the store key: set ${STORE_KEY_ENV} to reveal them`, EXIT.USAGE);
    return key;
  }

  /** A one-line message on stderr, prefixed like every diagnostic of the CLI. */
  async note(message: string): Promise<void> {
    await this.err.line(`keyledger: ${message}`);
  }

  /**
   * Opens the ledger of `cmd`, runs `fn`, and closes it (also when `fn` throws). `read`
   * opens read-only; `read-secrets` read-only with the store key (required); `write`
   * passes the store key from the environment.
   */
  async withLedger<T>(cmd: Command, mode: OpenMode, fn: (ledger: Ledger) => Promise<T>, options: { durability?: Durability; path?: string; maxInputBytes?: number } = {}): Promise<T> {
    const path = options.path ?? this.dbPath(cmd);
    const ledger =
      mode === 'read'
        ? await openLedger({ path, readOnly: true })
        : mode === 'read-secrets'
          ? await openLedger({ path, readOnly: true, storeKey: this.requireStoreKey() })
          : await openLedger({ path, storeKey: this.storeKey(), durability: options.durability ?? 'batched', ...(options.maxInputBytes !== undefined ? { maxInputBytes: options.maxInputBytes } : {}) }).catch((err: unknown) => {
              // A command that writes has no export to fall back on: only `init` helps.
              if (err instanceof LedgerNotFoundError) throw new CliError(`no ledger at ${path} (create one with \`keyledger init\`)`, EXIT.FAILED);
              throw err;
            });
    let result: T;
    try {
      result = await fn(ledger);
    } catch (err) {
      await ledger.close().catch(() => undefined);
      throw err;
    }
    await ledger.close();
    return result;
  }
}
