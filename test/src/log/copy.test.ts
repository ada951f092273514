import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerDamagedError, LedgerLockedError } from '../../../src/errors.js';
import { openLedger } from '../../../src/open.js';
import { DEVICE, USER } from '../../helpers/damage.js';
import { plainRoomEnvelope, tempDir } from '../../helpers/tmp.js';

describe('Ledger.copyTo: a live ledger can be analysed', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('keyledger-copy-')));
  afterEach(() => dir.cleanup());

  it('copies taken during a large ingest all verify, each a whole prefix of the log', async () => {
    const path = join(dir.path, 'live');
    const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true, snapshotEvery: 5000 });
    const total = 100_000;
    let ingesting = true;
    const ingest = (async () => {
      try {
        for (let i = 0; i < total; i += 500) await ledger.ingestMany(Array.from({ length: 500 }, (_, j) => plainRoomEnvelope(i + j)));
      } finally {
        ingesting = false;
      }
    })();
    const copies: { path: string; headSeq: number; entries: number }[] = [];
    while (ingesting) {
      const copy = join(dir.path, `copy-${copies.length}`);
      copies.push({ path: copy, ...(await ledger.copyTo(copy)) });
    }
    await ingest;
    // The reader's way in is the copy: the live folder is locked.
    await assert.rejects(openLedger({ path, readOnly: true }), (err: Error) => err instanceof LedgerLockedError && /ledger\.copyTo\(dir\)/.test(err.message) && /stop the writer/.test(err.message));
    await ledger.close();
    const midway = copies.filter((c) => c.headSeq > 0 && c.headSeq < total);
    assert.ok(midway.length >= 2, `only ${midway.length} copies were taken mid-ingest`);
    for (const c of copies) {
      const copy = await openLedger({ path: c.path, readOnly: true });
      try {
        const report = await copy.verify();
        assert.equal(report.ok, true, `${c.path}: ${JSON.stringify(report.problems.slice(0, 3))}`);
        assert.equal(report.headSeq, c.headSeq);
        assert.equal(report.entries, c.entries);
        assert.equal(c.entries, c.headSeq + 1);
        assert.equal(copy.damaged, null);
      } finally {
        await copy.close();
      }
    }
  });

  it('never writes into a folder that holds anything, and leaves the vault out unless asked', async () => {
    const path = join(dir.path, 'live');
    const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true });
    await ledger.ingest(plainRoomEnvelope(1));
    const taken = join(dir.path, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'mine'), 'x');
    await assert.rejects(ledger.copyTo(taken), LedgerDamagedError);
    await assert.rejects(ledger.copyTo(path), LedgerDamagedError);
    await ledger.copyTo(join(dir.path, 'analysis'));
    await ledger.copyTo(join(dir.path, 'backup'), { vault: true });
    await ledger.close();
    // Without the vault the copy opens for analysis only; with it, as the ledger itself.
    const analysis = await openLedger({ path: join(dir.path, 'analysis'), readOnly: true });
    assert.equal(analysis.headSeq(), 1);
    await analysis.close();
    await assert.rejects(openLedger({ path: join(dir.path, 'analysis'), userId: USER, deviceId: DEVICE, unencryptedVault: true }));
    const backup = await openLedger({ path: join(dir.path, 'backup'), userId: USER, deviceId: DEVICE, unencryptedVault: true });
    await backup.ingest(plainRoomEnvelope(2));
    assert.equal(backup.headSeq(), 2);
    await backup.close();
  });
});
