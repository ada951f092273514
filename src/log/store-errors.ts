import { basename } from 'node:path';
import {
  CorruptStoreError,
  KeyledgerError,
  LedgerLockedError,
  StoreFullError,
  StoreMissingFileError,
  StoreReadOnlyError,
  causeText,
} from '../errors.js';

/** A file LevelDB itself writes: a table, a write-ahead log, a manifest, CURRENT. */
const LEVELDB_FILE = /^(\d+\.(ldb|sst|log)|MANIFEST-\d+|CURRENT)$/;

/** Every `code` and message down an error's `cause` chain (LevelDB nests its reason). */
function chain(err: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 6 && e !== undefined && e !== null; depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.message === 'string') messages.push(e.message);
    e = e.cause as typeof e;
  }
  return { codes, messages };
}

/**
 * Names what went wrong with the LevelDB at `path`: LevelDB reports a full disk, a
 * read-only file system, a missing table and a garbage `CURRENT` all as "Database failed
 * to open", with the reason two `cause`s down. The result is one typed error whose code
 * says which (`store.full`, `store.read_only`, `store.missing_file`, `store.corrupt`,
 * `ledger.locked`); an error that is already ours is returned as it is.
 */
export function storeError(err: unknown, path: string, doing = 'open'): KeyledgerError {
  if (err instanceof KeyledgerError) return err;
  const { codes, messages } = chain(err);
  const all = messages.join(' | ');
  if (codes.includes('LEVEL_LOCKED')) return new LedgerLockedError(path, err);
  if (codes.includes('ENOSPC') || /No space left on device/i.test(all)) return new StoreFullError(path, err);
  if (codes.includes('EROFS') || /Read-only file system/i.test(all)) return new StoreReadOnlyError(path, 'its file system is read-only', err);
  if (codes.includes('EACCES') || codes.includes('EPERM') || /Permission denied/i.test(all)) return new StoreReadOnlyError(path, 'permission denied', err);
  // "Corruption: 3 missing files; e.g.: /path/000005.ldb"
  const missing = /missing files; e\.g\.: (\S+)/.exec(all);
  if (missing) return new StoreMissingFileError(path, basename(missing[1]!), err);
  // "IO error: /path/MANIFEST-000006: No such file or directory"
  const absent = /IO error: (\S+): No such file or directory/.exec(all);
  if (absent) {
    const file = basename(absent[1]!);
    if (LEVELDB_FILE.test(file)) return new StoreMissingFileError(path, file, err);
    return new CorruptStoreError(`the ledger at ${path} is damaged: CURRENT names "${file}", which is not a manifest (CURRENT is garbage)`, err);
  }
  // "IO error: /path/000005.ldb: Invalid argument": a table cut short.
  const cut = /IO error: (\S+\.(?:ldb|sst)): Invalid argument/.exec(all);
  if (cut) return new CorruptStoreError(`the ledger at ${path} is damaged: the table ${basename(cut[1]!)} is truncated or unreadable`, err);
  return new CorruptStoreError(`cannot ${doing} the ledger at ${path}: it is damaged (${causeText(err)})`, err);
}
