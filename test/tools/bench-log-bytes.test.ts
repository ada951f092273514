/**
 * The room-events bench's log-size figure (issue #12: log bytes per room event on disk
 * after compaction): given a closed ledger, when it is compacted and a run of its seqs
 * measured, then the figure is that run's share of the compacted log (not the whole
 * database, not zero, not the uncompressed text).
 */
import assert from 'node:assert/strict';
import { openLedger } from '../../src/index.js';
import { compactedBytes, folderBytes } from '../../tools/bench/log-bytes.js';
import { roomEnvelope, tempDir } from '../helpers/tmp.js';

describe('bench: log bytes on disk after a full compaction', () => {
  it('measures a run of seqs in the compacted tables: its share of the log, compressed, and the folder shrinks', async () => {
    const dir = tempDir();
    try {
      const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
      const first = ledger.headSeq() + 1;
      for (let i = 0; i < 4_000; i += 500) await ledger.ingestMany(Array.from({ length: 500 }, (_, j) => roomEnvelope(i + j)));
      const last = ledger.headSeq();
      const middle = first + Math.floor((last - first) / 2);
      let text = 0;
      for await (const e of ledger.entries({ from: first })) text += Buffer.byteLength(JSON.stringify(e));
      await ledger.close();
      const before = folderBytes(dir.path);

      const all = await compactedBytes(dir.path, first, last);
      const secondHalf = await compactedBytes(dir.path, middle + 1, last);
      assert.ok(all.log > 0.1 * text && all.log < text, `the log on disk (${all.log} bytes) is its text (${text}) compressed`);
      assert.ok(all.log <= all.folder, 'the run is part of the folder');
      assert.ok(all.folder < before, `compacted (${all.folder} bytes), the folder is smaller than after close (${before})`);
      const share = secondHalf.log / all.log;
      assert.ok(share > 0.4 && share < 0.6, `half the seqs take about half the bytes (${share.toFixed(2)})`);

      // What was measured still opens as a ledger, every entry there.
      const reopened = await openLedger({ path: dir.path, unencryptedVault: true });
      assert.equal(reopened.headSeq(), last);
      await reopened.close();
    } finally {
      dir.cleanup();
    }
  });
});
