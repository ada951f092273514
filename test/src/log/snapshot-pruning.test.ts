import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Level } from 'level';
import { openLedger } from '../../../src/open.js';
import { DEVICE, USER } from '../../helpers/damage.js';
import { plainRoomEnvelope, tempDir } from '../../helpers/tmp.js';

/** The seqs of the snapshots stored in a closed ledger. */
async function snapshotSeqs(path: string): Promise<number[]> {
  const db = new Level<string, string>(path);
  const keys = await db.sublevel<string, string>('snap', { valueEncoding: 'utf8' }).keys().all();
  await db.close();
  return keys.map(Number);
}

describe('snapshot pruning', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('keyledger-snapshots-')));
  afterEach(() => dir.cleanup());

  it('keeps the newest three snapshots by default, and as many as asked', async () => {
    for (const [keep, expected] of [[undefined, 3], [1, 1], [5, 5]] as const) {
      const path = join(dir.path, `keep-${keep ?? 'default'}`);
      const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true, snapshotEvery: 100, ...(keep ? { keepSnapshots: keep } : {}) });
      for (let i = 0; i < 1200; i += 100) await ledger.ingestMany(Array.from({ length: 100 }, (_, j) => plainRoomEnvelope(i + j)));
      const head = ledger.headSeq();
      await ledger.close();
      const seqs = await snapshotSeqs(path);
      assert.equal(seqs.length, expected, `keep ${keep}: ${seqs.join(', ')}`);
      assert.equal(seqs[seqs.length - 1], head, 'the newest snapshot is the one taken on close');
      const again = await openLedger({ path, readOnly: true });
      const report = await again.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.checkpoints.count, expected);
      // stateAt before the oldest kept snapshot replays from zero and still agrees.
      assert.equal(again.stateHash(await again.stateAt(50)), again.stateHash((await again.replay({ to: 50 })).state));
      await again.close();
    }
  });
});
