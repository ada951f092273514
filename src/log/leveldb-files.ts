import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptStoreError, LedgerDamagedError, StoreMissingFileError } from '../errors.js';

/** What a folder holds, as far as creating or opening a ledger in it goes. */
export type FolderState = 'absent' | 'empty' | 'leveldb';

/** Files LevelDB makes on every open, whatever the folder held: not a sign of data. */
const INCIDENTAL = new Set(['LOCK', 'LOG', 'LOG.old']);

/**
 * Looks at a ledger folder before LevelDB touches it. LevelDB, asked to create a database,
 * treats a folder without `CURRENT` as new and deletes the tables it finds there; and one
 * whose write-ahead log is gone opens as if it had never held what the log held. So a
 * folder is `absent`, `empty` (nothing, or only LevelDB's lock and info log), or a LevelDB
 * whose `CURRENT`, manifest, live tables and write-ahead log are all there; anything else
 * throws, naming what is missing, and nothing in the folder is changed.
 *
 * @throws LedgerDamagedError for files without `CURRENT` (or a file where the folder should be).
 * @throws StoreMissingFileError for a manifest, table or write-ahead log that is gone.
 * @throws CorruptStoreError for a `CURRENT` or manifest that cannot be read.
 */
export async function inspectFolder(path: string): Promise<FolderState> {
  try {
    return inspectOnce(path);
  } catch (err) {
    if (!(err instanceof StoreMissingFileError)) throw err;
    // A ledger open in another process moves on (a new write-ahead log, a compaction)
    // while we look: look again, slowly, before calling a file missing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return inspectOnce(path);
  }
}

function inspectOnce(path: string): FolderState {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') throw new LedgerDamagedError(path, 'this is a file, not a ledger folder: refusing to create a ledger there');
    throw err;
  }
  const files = names.filter((n) => !INCIDENTAL.has(n)).sort();
  if (files.length === 0) return 'empty';
  if (!files.includes('CURRENT')) {
    // LevelDB writes the first manifest, then CURRENT: a creation stopped between the two
    // leaves a manifest of nothing, and no data.
    if (files.every((f) => /^MANIFEST-\d+$/.test(f) && readManifest(join(path, f), path).liveTables.length === 0)) return 'empty';
    const leveldb = files.filter((f) => /^(\d+\.(ldb|sst|log)|MANIFEST-\d+)$/.test(f));
    if (leveldb.length > 0) throw new LedgerDamagedError(path, 'LevelDB files without CURRENT: the ledger is damaged, not absent; nothing was created or changed there', files);
    throw new LedgerDamagedError(path, 'the folder is not empty and holds no ledger: refusing to create one there', files);
  }
  const current = readFileSync(join(path, 'CURRENT'), 'latin1');
  const named = /^(MANIFEST-\d+)\n$/.exec(current);
  if (!named) throw new CorruptStoreError(`the ledger at ${path} is damaged: CURRENT is garbage (it must name a MANIFEST file)`);
  const manifestName = named[1]!;
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(join(path, manifestName), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreMissingFileError(path, manifestName, err);
    throw err;
  }
  // Listed after the manifest was read: what it names was there before we looked.
  files.splice(0, files.length, ...readdirSync(path));
  for (const number of manifest.liveTables) {
    const table = tableName(number);
    if (!files.includes(table) && !files.includes(`${table.slice(0, -4)}.sst`)) throw new StoreMissingFileError(path, table);
  }
  if (manifest.logNumber > 0) {
    const log = `${pad(manifest.logNumber)}.log`;
    // A later log may exist (written before the manifest caught up); the named one must.
    if (!files.includes(log)) throw new StoreMissingFileError(path, log);
  }
  return 'leveldb';
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

function tableName(n: number): string {
  return `${pad(n)}.ldb`;
}

/** The live table files and the write-ahead log number a LevelDB manifest describes. */
export function readManifest(file: string, path: string): { liveTables: number[]; logNumber: number } {
  const size = statSync(file).size;
  const bytes = readFileSync(file);
  if (bytes.length !== size) throw new CorruptStoreError(`the ledger at ${path} is damaged: its manifest changed while being read`);
  const live = new Map<string, number>();
  let logNumber = 0;
  try {
    for (const record of logRecords(bytes)) {
      const edit = new Reader(record);
      while (!edit.done()) {
        const tag = edit.varint();
        switch (tag) {
          case 1: // comparator
            edit.slice();
            break;
          case 2: // log number
            logNumber = edit.varint();
            break;
          case 3: // next file number
          case 4: // last sequence
          case 9: // previous log number
            edit.varint();
            break;
          case 5: // compact pointer
            edit.varint();
            edit.slice();
            break;
          case 6: {
            const level = edit.varint();
            live.delete(`${level}:${edit.varint()}`);
            break;
          }
          case 7: {
            const level = edit.varint();
            const number = edit.varint();
            edit.varint();
            edit.slice();
            edit.slice();
            live.set(`${level}:${number}`, number);
            break;
          }
          default:
            throw new Error(`unknown manifest tag ${tag}`);
        }
      }
    }
  } catch (err) {
    throw new CorruptStoreError(`the ledger at ${path} is damaged: its manifest cannot be read (${(err as Error).message})`, err);
  }
  return { liveTables: [...live.values()], logNumber };
}

/** The records of a LevelDB log-format file (32 KiB blocks of fragments). */
function* logRecords(bytes: Buffer): Generator<Buffer> {
  const BLOCK = 32768;
  let pos = 0;
  let parts: Buffer[] = [];
  while (pos + 7 <= bytes.length) {
    const left = BLOCK - (pos % BLOCK);
    if (left < 7) {
      pos += left;
      continue;
    }
    const length = bytes.readUInt16LE(pos + 4);
    const type = bytes[pos + 6]!;
    if (type === 0 && length === 0) {
      pos += left; // zero padding to the block's end
      continue;
    }
    if (pos + 7 + length > bytes.length) return; // a record cut by a crash: LevelDB drops it too
    const data = bytes.subarray(pos + 7, pos + 7 + length);
    pos += 7 + length;
    if (type === 1) yield data;
    else if (type === 2) parts = [data];
    else if (type === 3) parts.push(data);
    else if (type === 4) {
      parts.push(data);
      yield Buffer.concat(parts);
      parts = [];
    } else throw new Error(`bad record type ${type}`);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly bytes: Buffer) {}
  done(): boolean {
    return this.pos >= this.bytes.length;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new Error('varint past the end of a record');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }
  slice(): Buffer {
    const length = this.varint();
    if (this.pos + length > this.bytes.length) throw new Error('slice past the end of a record');
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}
