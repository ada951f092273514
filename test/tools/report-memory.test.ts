import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, type AnomalyReport } from '../../src/index.js';
import { DEVICE, USER } from '../helpers/damage.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));
const ANOMALIES = 40_000;

/** A to-device room key that is not an envelope the decoder takes: logged as a rejected input, one anomaly each. */
const rejectedInput = (i: number) => ({ kind: 'to_device', received_at: 1_700_000_000_000 + i, event: { type: 'm.room_key', content: { session_id: i } } });

/**
 * The report of 40k anomalies, held whole, needed 64 to 96 MB of heap (and its text or HTML
 * more): each output must come out whole from a 48 MB heap.
 */
describe('keyledger report in bounded memory', function () {
  this.timeout(120_000);
  const dir = tempDir('keyledger-report-memory-');
  const path = join(dir.path, 'ledger');
  before(async () => {
    const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true, snapshotEvery: 1_000_000 });
    for (let i = 0; i < ANOMALIES; i += 5_000) await ledger.ingestManyUnknown(Array.from({ length: 5_000 }, (_, j) => rejectedInput(i + j)));
    await ledger.close();
  });
  after(() => dir.cleanup());

  /** `keyledger report ...args` with a 48 MB heap: its stdout. */
  function report(...args: string[]): string {
    const env = { ...process.env };
    delete env.KEYLEDGER_DB;
    delete env.KEYLEDGER_STORE_KEY;
    const r = spawnSync(process.execPath, ['--max-old-space-size=48', CLI, '--db', path, 'report', ...args], { encoding: 'utf8', env, maxBuffer: 256 << 20 });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr.slice(0, 300)}`);
    return r.stdout;
  }

  it('--json: one JSON document of 40k anomalies', () => {
    const json = JSON.parse(report('--json')) as AnomalyReport;
    assert.equal(json.totals.anomalies, ANOMALIES);
    assert.equal(json.anomalies.length, ANOMALIES);
    assert.deepEqual(json.totals.byCode.map((c) => [c.code, c.count]), [['input.rejected', ANOMALIES]]);
    assert.equal(json.incidents.length, ANOMALIES, 'each rejected input stands alone');
    assert.deepEqual(json.incidents[123]!.cause, json.anomalies[123]);
    assert.equal(json.outsideTimeline, 0);
  });

  it('the text: every anomaly in the story and in its family\'s table', () => {
    const lines = report().split('\n');
    assert.ok(lines.includes(`${ANOMALIES} anomalies in 1 family`));
    assert.equal(lines.filter((l) => /^ {2}seq \d+ {2}input\.rejected {2}input \d+$/.test(l)).length, ANOMALIES, 'one incident each');
    assert.equal(lines.filter((l) => /^ {2}\d+ +\S+Z {2}input\.rejected {2}input \d+ /.test(l)).length, ANOMALIES, 'one table row each');
    assert.match(lines.at(-2)!, /^ {2}2023-11-14T22:13:\d\d\.000Z {2}█+ \d+$/, 'ends with the timeline');
  });

  it('--html: an article and a row for every anomaly', () => {
    const file = join(dir.path, 'report.html');
    report('--html', file);
    const html = readFileSync(file, 'utf8');
    assert.equal(html.match(/<article class="incident" /g)?.length, ANOMALIES);
    assert.equal(html.match(/<tr class="cause" data-seq="\d+" data-code="input\.rejected"/g)?.length, ANOMALIES);
    assert.match(html, /<span id="total" data-count="40000">/);
    assert.ok(html.endsWith('</footer>\n</body>\n</html>\n'));
  });
});
