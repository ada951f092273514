import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import type { AbstractSublevel, AbstractBatchOperation } from 'abstract-level';
import type { LedgerEntry } from '../../events/entry.js';
import { CorruptStoreError, LedgerLockedError, LedgerNotFoundError } from '../errors.js';
import { decodeEntryText, seqKey } from './entry-codec.js';

type Db = Level<string, string>;
/** A string-keyed, string-valued sublevel of the ledger's LevelDB. */
export type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, string>;
/** One operation of an atomic batch. */
export type BatchOp = AbstractBatchOperation<Db, string, string>;

/**
 * The ledger's LevelDB and its sublevels:
 * - `log`: seq → entry (the append-only chain);
 * - `decisions`: seq!index → decision (derived, written in the same batch as its entry,
 *   rebuilt when a slice version changes);
 * - `recorded`: the same as decided when the entry was written, never rewritten;
 * - `snap`: seq → signed snapshot / checkpoint;
 * - `meta`: small facts about the ledger (format, owner);
 * - `vault`: secrets (pickled Olm account and sessions), never in the log.
 */
export class LedgerStore {
  readonly log: Sub;
  readonly decisions: Sub;
  readonly recorded: Sub;
  readonly snap: Sub;
  readonly meta: Sub;
  readonly vault: Sub;

  private constructor(readonly path: string, readonly db: Db) {
    const sub = (name: string) => db.sublevel<string, string>(name, { valueEncoding: 'utf8' }) as unknown as Sub;
    this.log = sub('log');
    this.decisions = sub('decisions');
    this.recorded = sub('recorded');
    this.snap = sub('snap');
    this.meta = sub('meta');
    this.vault = sub('vault');
  }

  /** True when a LevelDB exists at `path`. */
  static exists(path: string): boolean {
    return existsSync(join(path, 'CURRENT'));
  }

  /**
   * Opens (or creates) the store. LevelDB allows one process at a time; a second opener
   * gets `LedgerLockedError`.
   */
  static async open(path: string, create: boolean): Promise<LedgerStore> {
    if (!create && !LedgerStore.exists(path)) throw new LedgerNotFoundError(path);
    const db = new Level<string, string>(path, { valueEncoding: 'utf8', createIfMissing: create });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new LedgerLockedError(path, err);
      throw new CorruptStoreError(`cannot open the ledger at ${path}: ${(err as Error).message}`, err);
    }
    return new LedgerStore(path, db);
  }

  /** Writes operations atomically; `sync` waits for the disk (fsync). */
  async write(ops: BatchOp[], sync: boolean): Promise<void> {
    await this.db.batch(ops, { sync });
  }

  async getJson<T>(sub: Sub, key: string): Promise<T | undefined> {
    const raw = await sub.get(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch (err) {
      throw new CorruptStoreError(`unreadable record ${key}`, err);
    }
  }

  /** The last entry of the log, or undefined for an empty log. */
  async head(): Promise<LedgerEntry | undefined> {
    const last = await this.log.iterator({ reverse: true, limit: 1 }).all();
    if (last.length === 0) return undefined;
    return parseEntry(last[0]![0], last[0]![1]);
  }

  /**
   * Entries with `from <= seq <= to`, in log order, read in chunks (so a million-entry
   * replay never holds the log in memory).
   */
  async *entries(from = 0, to = Number.MAX_SAFE_INTEGER): AsyncGenerator<LedgerEntry[]> {
    const it = this.log.iterator({ gte: seqKey(from), lte: seqKey(to) });
    // Ask for the next chunk before handing out this one: LevelDB reads on libuv's
    // thread pool while the caller folds.
    let next: Promise<[string, string][]> | undefined;
    try {
      next = it.nextv(4096);
      for (;;) {
        const chunk = await next;
        if (chunk.length === 0) return;
        next = it.nextv(4096);
        yield chunk.map(([k, v]) => parseEntry(k, v));
      }
    } finally {
      await next?.catch(() => undefined);
      await it.close();
    }
  }

  /** Raw `[key, value]` pairs of the log, for `verify` (which must survive bad records). */
  async *rawLog(): AsyncGenerator<[string, string][]> {
    const it = this.log.iterator();
    try {
      for (;;) {
        const chunk = await it.nextv(2048);
        if (chunk.length === 0) return;
        yield chunk;
      }
    } finally {
      await it.close();
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function parseEntry(key: string, value: string): LedgerEntry {
  try {
    return decodeEntryText(value);
  } catch (err) {
    throw new CorruptStoreError(`log entry ${key} is not readable JSON (run \`keyledger verify\`)`, err);
  }
}
