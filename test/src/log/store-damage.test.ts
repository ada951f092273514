import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, writeSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import {
  CorruptStoreError,
  LedgerDamagedError,
  StoreFullError,
  StoreMissingFileError,
  StoreReadOnlyError,
  UnreadableEntriesError,
} from '../../../src/errors.js';
import { openLedger } from '../../../src/open.js';
import { storeError } from '../../../src/log/store-errors.js';
import { DEVICE, USER, fingerprint, ledgerWithTables, tables } from '../../helpers/damage.js';
import { plainRoomEnvelope, tempDir } from '../../helpers/tmp.js';

/** Opens with creation options, as the README's own pattern does; resolves to the error. */
async function openForCreation(path: string): Promise<unknown> {
  try {
    const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true });
    await ledger.close();
    return undefined;
  } catch (err) {
    return err;
  }
}

/**
 * Overwrites 512 bytes in the middle of the largest table: the compressed block there no
 * longer decompresses (LevelDB reports it; a flip inside a literal would read back changed).
 */
function flipBlock(path: string): string {
  const table = join(path, tables(path)[0]!);
  const bytes = readFileSync(table);
  const at = Math.floor(bytes.length / 2);
  bytes.fill(0xff, at, at + 512);
  writeFileSync(table, bytes);
  return table;
}

/** Mounts a small tmpfs at a new folder; null when this machine does not allow it. */
function tmpfs(sizeKb: number): { path: string; remountReadOnly(): void; cleanup(): void } | null {
  const path = join('/tmp', `keyledger-mnt-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(path);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', path], { stdio: 'ignore' });
  } catch {
    rmSync(path, { recursive: true, force: true });
    return null;
  }
  return {
    path,
    remountReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', path], { stdio: 'ignore' }),
    cleanup: () => {
      execFileSync('umount', [path], { stdio: 'ignore' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

describe('store damage', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let pristine: string;

  before(async () => {
    dir = tempDir('keyledger-damage-');
    pristine = join(dir.path, 'pristine');
    await ledgerWithTables(pristine, 4000); // two tables: the first holds only the start of the log
  });
  after(() => dir.cleanup());

  /** A fresh copy of the pristine ledger, to damage. */
  let n = 0;
  function copy(): string {
    const path = join(dir.path, `copy-${n++}`);
    cpSync(pristine, path, { recursive: true });
    return path;
  }

  describe('opening never overwrites', () => {
    const cases: [string, (files: string[]) => string, (err: unknown) => void][] = [
      ['CURRENT', () => 'CURRENT', (err) => {
        assert.ok(err instanceof LedgerDamagedError, String(err));
        assert.match(err.message, /LevelDB files without CURRENT: the ledger is damaged, not absent/);
        assert.match(err.message, /MANIFEST-\d+/);
      }],
      ['the manifest', (files) => files.find((f) => f.startsWith('MANIFEST-'))!, (err) => {
        assert.ok(err instanceof StoreMissingFileError, String(err));
        assert.equal(err.code, 'store.missing_file');
        assert.match(err.file, /^MANIFEST-\d+$/);
      }],
      ['a table', (files) => files.find((f) => f.endsWith('.ldb'))!, (err) => {
        assert.ok(err instanceof StoreMissingFileError, String(err));
        assert.match(err.file, /^\d+\.ldb$/);
      }],
      ['the write-ahead log', (files) => files.find((f) => f.endsWith('.log'))!, (err) => {
        assert.ok(err instanceof StoreMissingFileError, String(err));
        assert.match(err.file, /^\d+\.log$/);
        assert.match(err.message, /is missing/);
      }],
    ];
    for (const [what, pick, check] of cases) {
      it(`a folder that lost ${what} is refused with what is missing, and nothing left in it changes`, async () => {
        const path = copy();
        const gone = pick(readdirSync(path));
        unlinkSync(join(path, gone));
        const before = fingerprint(path);
        const err = await openForCreation(path);
        check(err);
        assert.deepEqual(fingerprint(path), before, 'a file was changed, added or removed');
        // Read-only and without creation options it is refused the same way.
        await assert.rejects(openLedger({ path, readOnly: true }), (e: Error) => e.constructor === (err as Error).constructor);
        assert.deepEqual(fingerprint(path), before);
      });
    }

    it('a folder holding anything else is refused, and an absent or empty one gets a ledger', async () => {
      const other = join(dir.path, 'other');
      mkdirSync(other);
      writeFileSync(join(other, 'notes.txt'), 'mine');
      const err = await openForCreation(other);
      assert.ok(err instanceof LedgerDamagedError, String(err));
      assert.match(err.message, /notes\.txt/);
      assert.deepEqual(readdirSync(other), ['notes.txt']);
      const empty = join(dir.path, 'empty');
      mkdirSync(empty);
      assert.equal(await openForCreation(empty), undefined);
      assert.equal(await openForCreation(join(dir.path, 'absent', 'ledger')), undefined);
    });

    it('a creation stopped before CURRENT was written (a manifest of nothing) is not damage', async () => {
      const path = join(dir.path, 'half-made');
      const db = new Level(path);
      await db.open();
      await db.close();
      for (const f of readdirSync(path)) if (!f.startsWith('MANIFEST-')) unlinkSync(join(path, f));
      assert.equal(await openForCreation(path), undefined);
    });

    it('a LevelDB that holds data but no ledger is not made into one', async () => {
      const path = join(dir.path, 'foreign');
      const db = new Level(path);
      await db.put('someone', 'else');
      await db.close();
      const err = await openForCreation(path);
      assert.ok(err instanceof LedgerDamagedError, String(err));
      const again = new Level<string, string>(path);
      assert.deepEqual(await again.keys().all(), ['someone']);
      await again.close();
    });
  });

  describe('a damaged store says what is damaged', () => {
    it('a ledger whose only table is cut short is store.corrupt naming the table', async () => {
      const path = join(dir.path, 'one-table');
      await ledgerWithTables(path, 200);
      const table = tables(path)[0]!;
      const bytes = readFileSync(join(path, table));
      writeFileSync(join(path, table), bytes.subarray(0, bytes.length - 100));
      await assert.rejects(openLedger({ path, readOnly: true }), (err: Error) => {
        assert.ok(err instanceof CorruptStoreError && err.code === 'store.corrupt', String(err));
        assert.match(err.message, new RegExp(`the table ${table} is truncated or unreadable`));
        return true;
      });
    });

    it('a missing table, as LevelDB reports it, is store.missing_file naming the table', async () => {
      const path = copy();
      const table = tables(path)[0]!;
      unlinkSync(join(path, table));
      const db = new Level(path, { createIfMissing: false });
      const raw = await db.open().then(() => null, (err: unknown) => err);
      assert.ok(raw, 'LevelDB opened a folder without its table');
      assert.equal((raw as Error).message, 'Database failed to open');
      const err = storeError(raw, path);
      assert.ok(err instanceof StoreMissingFileError, String(err));
      assert.equal(err.file, table);
    });

    it('a garbage CURRENT is store.corrupt saying so, from LevelDB as from our own check', async () => {
      const path = copy();
      writeFileSync(join(path, 'CURRENT'), 'garbage\n');
      const err = await openForCreation(path);
      assert.ok(err instanceof CorruptStoreError && err.code === 'store.corrupt', String(err));
      assert.match(err.message, /CURRENT is garbage/);
      const db = new Level(path, { createIfMissing: false });
      const raw = await db.open().then(() => null, (e: unknown) => e);
      const mapped = storeError(raw, path);
      assert.equal(mapped.code, 'store.corrupt');
      assert.match(mapped.message, /CURRENT is garbage/);
    });

    it('a read-only file system is store.read_only', async function () {
      const mnt = tmpfs(8192);
      if (mnt === null) this.skip(); // mount not permitted here: the mapping test below still runs
      try {
        cpSync(pristine, join(mnt!.path, 'ledger'), { recursive: true });
        mnt!.remountReadOnly();
        await assert.rejects(openLedger({ path: join(mnt!.path, 'ledger'), readOnly: true }), (err: Error) => {
          assert.ok(err instanceof StoreReadOnlyError, String(err));
          assert.equal((err as StoreReadOnlyError).code, 'store.read_only');
          return true;
        });
      } finally {
        mnt!.cleanup();
      }
    });

    it('read-only and full-disk messages of LevelDB map to their codes', () => {
      const wrap = (message: string) => Object.assign(new Error('Database failed to open'), { code: 'LEVEL_DATABASE_NOT_OPEN', cause: Object.assign(new Error(message), { code: 'LEVEL_IO_ERROR' }) });
      assert.equal(storeError(wrap('IO error: /x/LOCK: Read-only file system'), '/x').code, 'store.read_only');
      assert.equal(storeError(wrap('IO error: /x/MANIFEST-000001: No space left on device'), '/x').code, 'store.full');
      assert.equal(storeError(wrap('Corruption: 1 missing files; e.g.: /x/000005.ldb'), '/x').code, 'store.missing_file');
    });

    it('a full disk is store.full', async function () {
      const mnt = tmpfs(1024);
      if (mnt === null) this.skip(); // mount not permitted here (not root, or no tmpfs): nothing to fill
      try {
        // Fill the file system, then create a ledger there.
        const filler = openSync(join(mnt!.path, 'filler'), 'w');
        try {
          for (;;) writeSync(filler, Buffer.alloc(4096));
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
        } finally {
          closeSync(filler);
        }
        const err = await openForCreation(join(mnt!.path, 'ledger'));
        assert.ok(err instanceof StoreFullError, String(err));
        assert.equal(err.code, 'store.full');
      } finally {
        mnt!.cleanup();
      }
    });

    it('a flipped block: verify names the first and last unreadable seq, reads name them too', async () => {
      const path = copy();
      flipBlock(path);
      const ledger = await openLedger({ path, readOnly: true });
      try {
        const report = await ledger.verify();
        assert.equal(report.ok, false);
        const bad = report.problems.filter((p) => p.code === 'chain.unreadable');
        assert.equal(bad.length, 1, JSON.stringify(report.problems));
        const [, first, last] = /entries (\d+)–(\d+) cannot be read/.exec(bad[0]!.message)!;
        assert.equal(bad[0]!.seq, Number(first));
        assert.ok(Number(last) >= Number(first));
        assert.equal(report.firstBadSeq, Number(first));
        // Nothing else is wrong: every entry after the range was read and chains on.
        assert.deepEqual(report.problems.map((p) => p.code), ['chain.unreadable']);
        assert.equal(report.entries + Number(last) - Number(first) + 1, report.headSeq + 1);
        await assert.rejects(async () => void (await ledger.entries()), (err: Error) => err instanceof UnreadableEntriesError && err.first === Number(first) && err.last === Number(last));
        const skipped: { first: number; last: number | null }[] = [];
        let read = 0;
        for await (const _ of ledger.entries({ onUnreadable: (gap) => skipped.push(gap) })) read++;
        assert.deepEqual(skipped.map((g) => [g.first, g.last]), [[Number(first), Number(last)]]);
        assert.equal(read, report.entries);
      } finally {
        await ledger.close();
      }
    });

    it('a truncated table: verify names the unreadable range instead of failing', async () => {
      const path = copy();
      const table = join(path, tables(path)[0]!);
      const bytes = readFileSync(table);
      writeFileSync(table, bytes.subarray(0, bytes.length - 200));
      const ledger = await openLedger({ path, readOnly: true });
      try {
        const report = await ledger.verify();
        assert.equal(report.ok, false);
        const bad = report.problems.find((p) => p.code === 'chain.unreadable');
        assert.ok(bad, JSON.stringify(report.problems));
        assert.match(bad.message, /entries \d+–\d+ cannot be read/);
      } finally {
        await ledger.close();
      }
    });

    it('nothing is appended to a log known to be damaged', async () => {
      const path = copy();
      flipBlock(path);
      const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true });
      try {
        const head = ledger.headSeq();
        await assert.rejects(ledger.checkLogReadable(), UnreadableEntriesError);
        await assert.rejects(ledger.ingest(plainRoomEnvelope(1)), (err: Error) => err instanceof LedgerDamagedError && /cannot be read/.test(err.message));
        assert.equal(ledger.headSeq(), head);
      } finally {
        await ledger.close();
      }
    });
  });
});
