import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { seqKey } from '../../src/log/entry-codec.js';
import { LOG_PREFIX } from '../../src/log/keys.js';
import { seconds } from './util.js';

/** What {@link level}'s `Level` is in Node (classic-level), with the two calls its types leave out. */
type ClassicLevel = Level<string, string> & {
  compactRange(start: string, end: string): Promise<void>;
  approximateSize(start: string, end: string): Promise<number>;
};

/** Bytes on disk of a closed ledger after a full compaction, and of a run of its log. */
export interface CompactedBytes {
  /** Bytes the entries with `first <= seq <= last` take in the compacted tables (snappy-compressed, keys included). */
  log: number;
  /** Every file of the folder after the compaction (LevelDB's tables, manifest and logs). */
  folder: number;
  /** Seconds the compaction took. */
  compaction: number;
}

/**
 * Compacts a closed ledger's LevelDB fully (every key, down to the last level, so nothing
 * is counted twice and every block is compressed as LevelDB keeps it for good), then
 * measures the bytes a run of log seqs takes on disk with LevelDB's own `approximateSize`
 * (exact to one 4 KiB block once compacted) and the whole folder.
 */
export async function compactedBytes(path: string, first: number, last: number): Promise<CompactedBytes> {
  const db = new Level<string, string>(path, { createIfMissing: false }) as ClassicLevel;
  await db.open();
  try {
    const [low] = await db.keys({ limit: 1 }).all();
    const [high] = await db.keys({ limit: 1, reverse: true }).all();
    const compaction = low === undefined || high === undefined ? 0 : await seconds(() => db.compactRange(low, high));
    const log = await db.approximateSize(LOG_PREFIX + seqKey(first), LOG_PREFIX + seqKey(last + 1));
    await db.close();
    return { log, folder: folderBytes(path), compaction };
  } finally {
    if (db.status === 'open') await db.close();
  }
}

/** Bytes of every file under a folder. */
export function folderBytes(path: string): number {
  return readdirSync(path, { withFileTypes: true }).reduce((sum, f) => sum + (f.isDirectory() ? folderBytes(join(path, f.name)) : statSync(join(path, f.name)).size), 0);
}
