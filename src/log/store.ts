import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import type { AbstractSublevel, AbstractBatchOperation } from 'abstract-level';
import type { LedgerEntry } from '../../events/entry.js';
import { CorruptStoreError, LedgerNotFoundError, UnreadableEntriesError } from '../errors.js';
import { decodeEntryText, seqKey } from './entry-codec.js';
import { inspectFolder } from './leveldb-files.js';
import type { SublevelName } from './keys.js';
import { storeError } from './store-errors.js';

type Db = Level<string, string>;
/** A string-keyed, string-valued sublevel of the ledger's LevelDB. */
export type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, string>;
/** A run of log seqs that is not there, or cannot be read (see {@link LedgerStore.scan}). */
export interface LogGap {
  first: number;
  /** Null when nothing after `first` could be read. */
  last: number | null;
  unreadable: boolean;
  cause?: unknown;
}

/** One step of {@link LedgerStore.scan}: records in log order, or a gap between them. */
export type LogRead = { records: [string, string][] } | { gap: LogGap };

/** One operation of an atomic batch. */
export type BatchOp = AbstractBatchOperation<Db, string, string>;

/** True for a put or delete of the root database with a string key (and a string value). */
function rootLevelString(op: BatchOp): boolean {
  const o = op as { type: string; key: unknown; value?: unknown; sublevel?: unknown; keyEncoding?: unknown; valueEncoding?: unknown };
  if (o.sublevel != null || o.keyEncoding != null || o.valueEncoding != null || typeof o.key !== 'string') return false;
  return o.type === 'del' || (o.type === 'put' && typeof o.value === 'string');
}

/**
 * The ledger's LevelDB and its sublevels:
 * - `log`: seq → entry (the append-only chain);
 * - `decisions`: seq!index → decision (derived, written in the same batch as its entry,
 *   rebuilt when a slice version changes);
 * - `recorded`: the same as decided when the entry was written, never rewritten;
 * - `snap`: seq → signed snapshot / checkpoint;
 * - `meta`: small facts about the ledger (format, owner);
 * - `vault`: secrets (pickled Olm account and sessions), never in the log;
 * - `unclean`: `room event_id` → the last fact of a room event that did not decrypt cleanly
 *   (derived, written in the same batch; lets a repeated `decryptRoomEvent` be answered
 *   from the log without the projected state growing with every undecryptable event).
 */
export class LedgerStore {
  readonly log: Sub;
  readonly decisions: Sub;
  readonly recorded: Sub;
  readonly snap: Sub;
  readonly meta: Sub;
  readonly vault: Sub;
  readonly unclean: Sub;

  private constructor(readonly path: string, readonly db: Db) {
    const sub = (name: SublevelName) => db.sublevel<string, string>(name, { valueEncoding: 'utf8' }) as unknown as Sub;
    this.log = sub('log');
    this.decisions = sub('decisions');
    this.recorded = sub('recorded');
    this.snap = sub('snap');
    this.meta = sub('meta');
    this.vault = sub('vault');
    this.unclean = sub('unclean');
  }

  /** True when a LevelDB exists at `path`. */
  static exists(path: string): boolean {
    return existsSync(join(path, 'CURRENT'));
  }

  /**
   * Opens (or creates) the store. A store is created only in an absent or empty folder:
   * the folder is inspected before LevelDB touches it (see {@link inspectFolder}), so a
   * damaged ledger is refused, never replaced. LevelDB allows one process at a time; a
   * second opener gets `LedgerLockedError`.
   *
   * @throws LedgerNotFoundError, LedgerDamagedError, LedgerLockedError, and the store
   *   errors of {@link storeError} (`store.full`, `store.read_only`, `store.missing_file`, `store.corrupt`).
   */
  static async open(path: string, create: boolean): Promise<LedgerStore> {
    const found = await inspectFolder(path);
    if (found !== 'leveldb' && !create) throw new LedgerNotFoundError(path);
    const db = new Level<string, string>(path, { valueEncoding: 'utf8', createIfMissing: found !== 'leveldb' });
    try {
      await db.open();
    } catch (err) {
      throw storeError(err, path);
    }
    return new LedgerStore(path, db);
  }

  /** The first failure to read the log (a damaged table), once one was seen; null before. */
  damage: CorruptStoreError | null = null;

  /** Remembers a read failure (so nothing is appended to a damaged log) and names it. */
  readFailure(err: unknown, doing: string): CorruptStoreError | Error {
    const named = storeError(err, this.path, doing);
    if (named instanceof CorruptStoreError) this.damage ??= named;
    return named;
  }

  /**
   * Writes operations atomically; `sync` waits for the disk (fsync). A batch of root-level
   * string puts and deletes (what an ingest batch is: keys built with the prefixes of
   * `keys.ts`) goes straight to classic-level's `_batch`, the implementation abstract-level's
   * `batch` calls after re-encoding every operation: that re-encoding cost more than the
   * native write (a few µs per entry), and there is nothing in these operations to encode.
   */
  async write(ops: BatchOp[], sync: boolean): Promise<void> {
    try {
      const native = (this.db as unknown as { _batch?: (ops: BatchOp[], options: { sync: boolean }) => Promise<void> })._batch;
      if (native !== undefined && this.db.status === 'open' && ops.every(rootLevelString)) await native.call(this.db, ops, { sync });
      else await this.db.batch(ops, { sync });
    } catch (err) {
      throw storeError(err, this.path, 'write to');
    }
  }

  /** True when the store holds no key at all (a folder LevelDB has just created). */
  async isEmpty(): Promise<boolean> {
    return (await this.db.keys({ limit: 1 }).all()).length === 0;
  }

  async getJson<T>(sub: Sub, key: string): Promise<T | undefined> {
    const raw = await sub.get(key).catch((err: unknown) => {
      throw this.readFailure(err, 'read');
    });
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
   * replay never holds the log in memory). Entries that are not there are skipped (`verify`
   * names them); entries that cannot be read throw {@link UnreadableEntriesError}, or, with
   * `onUnreadable`, are reported to it and skipped.
   */
  async *entries(from = 0, to = Number.MAX_SAFE_INTEGER, onUnreadable?: (gap: LogGap) => void): AsyncGenerator<LedgerEntry[]> {
    for await (const read of this.scan(from, to)) {
      if ('gap' in read) {
        if (!read.gap.unreadable) continue;
        if (onUnreadable) onUnreadable(read.gap);
        else throw this.unreadable(read.gap);
        continue;
      }
      yield read.records.map(([k, v]) => parseEntry(k, v));
    }
  }

  /** The error for an unreadable run of entries; the store remembers it as damage. */
  unreadable(gap: LogGap): UnreadableEntriesError {
    const err = new UnreadableEntriesError(gap.first, gap.last, gap.cause);
    this.damage ??= err;
    return err;
  }

  /**
   * Raw `[key, value]` chunks of the log in order, and its gaps: a run of seqs that is not
   * there (`unreadable: false`: deleted, or never written) or cannot be read (a damaged
   * table block; `last` null when nothing after it could be read). LevelDB's iterator
   * steps over a block it cannot read and only fails at the end, so every gap is probed
   * with an iterator of its own to tell the two apart.
   */
  async *scan(from = 0, to = Number.MAX_SAFE_INTEGER, size = 4096, values = true): AsyncGenerator<LogRead> {
    let expected = from;
    let unreadableSeen = false;
    let chunkSize = size;
    for (;;) {
      // Without values LevelDB still reads (and decompresses) every block, but copies
      // nothing into JavaScript.
      const it = this.log.iterator({ gte: seqKey(expected), lte: seqKey(to), values });
      const start = expected;
      let failure: unknown;
      // Ask for the next chunk before handing out this one: LevelDB reads on libuv's
      // thread pool while the caller folds. (Marked handled at once: a read that fails
      // while the caller is busy is not an unhandled rejection; the `await` still gets it.)
      let next: Promise<[string, string][]> = it.nextv(chunkSize);
      next.catch(() => undefined);
      try {
        for (;;) {
          let chunk: [string, string][];
          try {
            chunk = await next;
          } catch (err) {
            failure = err;
            break;
          }
          if (chunk.length === 0) break;
          next = it.nextv(chunkSize);
          next.catch(() => undefined);
          let first = 0;
          for (let i = 0; i < chunk.length; i++) {
            const seq = Number(chunk[i]![0]);
            if (seq > expected) {
              if (i > first) yield { records: chunk.slice(first, i) };
              first = i;
              const gap = await this.probe(expected, seq - 1);
              unreadableSeen ||= gap.unreadable;
              yield { gap };
            }
            expected = seq + 1;
          }
          if (first < chunk.length) yield { records: first === 0 ? chunk : chunk.slice(first) };
        }
      } finally {
        await next.catch(() => undefined);
        await it.close().catch(() => undefined);
      }
      if (failure === undefined) return;
      // LevelDB fails a read that ends the iteration after it stepped over a damaged
      // block, dropping the records of that read: read on from the last record handed
      // out, one at a time once a chunk made no progress.
      if (expected > start || chunkSize > 1) {
        chunkSize = expected > start ? chunkSize : 1;
        continue;
      }
      // Nothing more could be read; a failure no gap explains lies past the last entry.
      if (!unreadableSeen) yield { gap: { first: expected, last: null, unreadable: true, cause: failure } };
      return;
    }
  }

  /** Whether the seqs `first`–`last`, which the log iterator stepped over, fail to read. */
  private async probe(first: number, last: number): Promise<LogGap> {
    const it = this.log.iterator({ gte: seqKey(first), lte: seqKey(last) });
    try {
      await it.nextv(1);
      return { first, last, unreadable: false };
    } catch (err) {
      return { first, last, unreadable: true, cause: err };
    } finally {
      await it.close().catch(() => undefined);
    }
  }

  /**
   * Reads every record of the log without decoding it (a few seconds for a million
   * entries) and throws {@link UnreadableEntriesError} at the first that cannot be read;
   * the store then refuses appends. `onProgress` gets the seq reached.
   */
  async checkReadable(onProgress?: (seq: number) => void): Promise<void> {
    for await (const read of this.scan(0, Number.MAX_SAFE_INTEGER, 4096, false)) {
      if ('gap' in read) {
        if (read.gap.unreadable) throw this.unreadable(read.gap);
      } else {
        onProgress?.(Number(read.records[read.records.length - 1]![0]));
      }
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
