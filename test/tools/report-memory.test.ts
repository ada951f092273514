import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, type AnomalyReport } from '../../src/index.js';
import { DEVICE, USER } from '../helpers/damage.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));

/** A to-device room key that is not an envelope the decoder takes: logged as a rejected input, one anomaly each. */
const rejectedInput = (i: number) => ({ kind: 'to_device', received_at: 1_700_000_000_000 + i, event: { type: 'm.room_key', content: { session_id: i } } });

describe('keyledger report --json in bounded memory', function () {
  this.timeout(120_000);

  it('reports 40k anomalies with a 48 MB heap (the report held whole needed 64 to 96 MB), one JSON document', async () => {
    const dir = tempDir('keyledger-report-memory-');
    try {
      const path = join(dir.path, 'ledger');
      const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true, snapshotEvery: 1_000_000 });
      for (let i = 0; i < 40_000; i += 5_000) await ledger.ingestManyUnknown(Array.from({ length: 5_000 }, (_, j) => rejectedInput(i + j)));
      await ledger.close();
      const env = { ...process.env };
      delete env.KEYLEDGER_DB;
      delete env.KEYLEDGER_STORE_KEY;
      const r = spawnSync(process.execPath, ['--max-old-space-size=48', CLI, '--db', path, 'report', '--json'], { encoding: 'utf8', env, maxBuffer: 256 << 20 });
      assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr.slice(0, 300)}`);
      const report = JSON.parse(r.stdout) as AnomalyReport;
      assert.equal(report.totals.anomalies, 40_000);
      assert.equal(report.anomalies.length, 40_000);
      assert.deepEqual(report.totals.byCode.map((c) => [c.code, c.count]), [['input.rejected', 40_000]]);
      assert.equal(report.incidents.length, 40_000, 'each rejected input stands alone');
      assert.deepEqual(report.incidents[123]!.cause, report.anomalies[123]);
      assert.equal(report.outsideTimeline, 0);
    } finally {
      dir.cleanup();
    }
  });
});
