import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { LedgerDamagedError } from '../errors.js';
import { inspectFolder } from './leveldb-files.js';
import { storeError } from './store-errors.js';
import { LOG_PREFIX, VAULT_PREFIX } from './keys.js';
import type { LedgerStore } from './store.js';

const LOG = Buffer.from(LOG_PREFIX);
const VAULT = Buffer.from(VAULT_PREFIX);

/**
 * Copies every record of `store` into a new LevelDB at `dir`, byte for byte, from one
 * iterator: LevelDB iterators read from the snapshot taken when they are made, so the
 * copy holds the batches written before that moment, whole, and none after, while the
 * writer goes on. A copy left half-written by a failure is removed.
 */
export async function copyStore(store: LedgerStore, dir: string, options: { vault: boolean }): Promise<{ entries: number; headSeq: number }> {
  const found = await inspectFolder(dir).catch(() => 'other' as const);
  if (found !== 'absent' && found !== 'empty') {
    throw new LedgerDamagedError(dir, 'a copy goes to an absent or empty folder: refusing to write there', safeList(dir));
  }
  const target = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: true, errorIfExists: true });
  try {
    await target.open();
  } catch (err) {
    throw storeError(err, dir);
  }
  let entries = 0;
  let headSeq = -1;
  let last: [Buffer, Buffer] | undefined;
  const it = store.db.iterator<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer', fillCache: false });
  try {
    for (;;) {
      const chunk = await it.nextv(1024).catch((err: unknown) => {
        throw store.readFailure(err, 'copy');
      });
      if (chunk.length === 0) break;
      // One chunk per batch: memory stays bounded whatever the size of the log.
      const batch = target.batch();
      for (const [key, value] of chunk) {
        if (!options.vault && key.subarray(0, VAULT.length).equals(VAULT)) continue;
        if (key.subarray(0, LOG.length).equals(LOG)) {
          entries++;
          headSeq = Number(key.subarray(LOG.length).toString('latin1'));
        }
        batch.put(key, value);
        last = [key, value];
      }
      await batch.write();
    }
    // The copy is on disk before we say so: rewriting the last record as it is, fsynced.
    if (last) await target.put(last[0], last[1], { sync: true });
    await target.close();
  } catch (err) {
    await target.close().catch(() => undefined);
    if (found === 'absent') rmSync(dir, { recursive: true, force: true });
    else for (const f of safeList(dir)) rmSync(join(dir, f), { recursive: true, force: true });
    throw storeError(err, dir, 'copy to');
  } finally {
    await it.close().catch(() => undefined);
  }
  return { entries, headSeq };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [dir];
  }
}
