import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anomalyReport, openLedger, openLogSource, openStreamedReport, reportView, type AnomalyReport } from '../../src/index.js';
import { reportLines } from '../../tools/commands/report.js';
import { keyValues, table } from '../../tools/format.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { collect } from '../helpers/collect.js';

const SAMPLE = fileURLToPath(new URL('../../../docs/samples/semi-trusted-impersonation.ndjson', import.meta.url));
const T0 = Date.UTC(2025, 10, 27, 8, 0, 0);

/** Plaintext room keys from senders of every length (refused), and garbled inputs among them. */
async function ledgerOfWidths(path: string): Promise<void> {
  const ledger = await openLedger({ path, userId: '@me:example.org', deviceId: 'ME', now: () => T0, unencryptedVault: true });
  for (let i = 0; i < 120; i++) {
    const sender = `@${'m'.repeat(1 + ((i * 7) % 23))}:example.org`;
    await ledger.ingestUnknown({ kind: 'to_device', received_at: T0 + i * 1_000, event: { type: 'm.room_key', sender, content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: `!r${i}:example.org`, session_id: `S${i}`, session_key: 'SECRET' } } });
    if (i % 7 === 0) await ledger.ingestUnknown({ kind: 'to_device', received_at: T0 + i * 1_000 + 1, event: { type: 'm.room_key', content: { session_id: i } } }).catch(() => undefined);
  }
  await ledger.close();
}


/** The report in memory, and the text drawn from it and from the report on disk. */
async function texts(path: string): Promise<{ report: AnomalyReport; memory: string[]; disk: string[] }> {
  const source = await openLogSource(path);
  try {
    const report = await anomalyReport(source);
    const streamed = await openStreamedReport(source);
    try {
      return { report, memory: await collect(reportLines(reportView(report))), disk: await collect(reportLines(streamed)) };
    } finally {
      await streamed.close();
    }
  } finally {
    await source.close();
  }
}

describe('keyledger report (text)', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('prints, from the report on disk, what it draws from the report in memory, line for line', async () => {
    const path = join(dir.path, 'ledger');
    await ledgerOfWidths(path);
    for (const source of [SAMPLE, path]) {
      const { report, memory, disk } = await texts(source);
      assert.ok(report.totals.anomalies >= 6, source);
      assert.deepEqual(disk, memory, source);
      const r = await cli(['report', '--source', source]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${memory.join('\n')}\n`, 'the command prints that text');
    }
  });

  it('aligns each family\'s table to its widest cells, as a table of the whole family is aligned', async () => {
    const path = join(dir.path, 'ledger');
    await ledgerOfWidths(path);
    const { report, disk } = await texts(path);
    const text = disk.join('\n');
    assert.deepEqual(report.totals.byFamily.map((f) => f.family).sort(), ['input', 'room_key']);
    for (const f of report.totals.byFamily) {
      const rows = report.anomalies.filter((a) => a.family === f.family).map((a) => [String(a.seq), a.time ?? '-', a.code, a.subject, keyValues(a.detail)]);
      const whole = table(['seq', 'time', 'code', 'subject', 'detail'], rows).map((l) => `  ${l}`);
      assert.ok(text.includes(`${f.title} (${f.family}): ${f.count}\n`), f.family);
      assert.ok(text.includes(whole.join('\n')), `the ${f.family} table, aligned as one`);
    }
  });
});
