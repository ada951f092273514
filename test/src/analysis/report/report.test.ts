import { strict as assert } from 'node:assert';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inlineCode } from '../../../../src/analysis/report/chart.js';
import { anomalyReport, anomalyReportJson, openLedger, openLogSource, openStreamedReport, reasonCodes, redactSecrets, reportHtml, reportView, type AnomalyReport, type Decision, type LogSource } from '../../../../src/index.js';
import { tamperLog } from '../../../helpers/tamper.js';
import { plainRoomEnvelope, tempDir } from '../../../helpers/tmp.js';
import { collect } from '../../../helpers/collect.js';

const T0 = Date.UTC(2025, 10, 27, 8, 0, 0);

/** A plaintext m.room_key (refused: keys only over Olm), at `at`. */
const plainRoomKey = (at: number, sessionId: string) => ({
  kind: 'to_device',
  received_at: at,
  event: {
    type: 'm.room_key',
    sender: '@mallory:example.org',
    content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!room:example.org', session_id: sessionId, session_key: 'SECRETKEYMATERIAL' },
  },
});

/** A ledger with plaintext room keys, a garbled input and quiet room events, over ten minutes. */
async function ledgerWithAnomalies(path: string): Promise<void> {
  let clock = T0; // stamps what carries no readable received_at (the garbled input)
  const ledger = await openLedger({ path, userId: '@me:example.org', deviceId: 'ME', now: () => clock, unencryptedVault: true });
  await ledger.ingest(plainRoomEnvelope(1, T0 + 1_000));
  await ledger.ingestUnknown(plainRoomKey(T0 + 60_000, 'S1'));
  await ledger.ingestUnknown(plainRoomKey(T0 + 61_000, 'S2'));
  clock = T0 + 300_000;
  await ledger.ingestUnknown(`{"kind":"to_device","event":{"type":"m.room_key","content":{"session_key":"SECRET2","session_id":7}}}`).catch(() => undefined);
  await ledger.ingest(plainRoomEnvelope(2, T0 + 600_000));
  await ledger.close();
}

/** The report, checked against the streamed `--json` of the same source: byte for byte. */
async function reportOf(path: string): Promise<AnomalyReport> {
  const source = await openLogSource(path);
  try {
    return await reportStreamedAlike(source);
  } finally {
    await source.close();
  }
}

/** The report in memory, checked against the streamed one: its JSON and its HTML, byte for byte. */
async function reportStreamedAlike(source: LogSource): Promise<AnomalyReport> {
  const report = await anomalyReport(source);
  assert.equal(await joined(anomalyReportJson(source)), `${JSON.stringify(report)}\n`, 'anomalyReportJson is JSON.stringify(anomalyReport)');
  const streamed = await openStreamedReport(source);
  try {
    assert.equal(await joined(reportHtml(streamed)), await joined(reportHtml(reportView(report))), 'the HTML drawn from disk is the one drawn from memory');
  } finally {
    await streamed.close();
  }
  return report;
}

async function joined(pieces: AsyncIterable<string>): Promise<string> {
  return (await collect(pieces)).join('');
}

async function exportOf(ledgerPath: string, out: string): Promise<void> {
  const ledger = await openLedger({ path: ledgerPath, readOnly: true });
  const lines: string[] = [];
  for await (const e of ledger.entries()) lines.push(JSON.stringify(redactSecrets(e)));
  await ledger.close();
  writeFileSync(out, `${lines.join('\n')}\n`);
}

/** Counts per code, as a plain record, for comparing reports. */
const counts = (r: AnomalyReport) => Object.fromEntries(r.totals.byCode.map((c) => [c.code, c.count]));

describe('anomaly report', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('lists every rejected or flagged decision with its time, subject and spec sentence, grouped and counted', async () => {
    const path = join(dir.path, 'ledger');
    await ledgerWithAnomalies(path);
    const report = await reportOf(path);
    const source = await openLogSource(path);
    const expected = (await source.decisions()).filter((d) => d.outcome !== 'accepted');
    await source.close();
    assert.ok(expected.length >= 3, 'the log has anomalies');
    assert.deepEqual(report.anomalies.map((a) => [a.seq, a.code, a.subject]), expected.map((d) => [d.seq, d.code, d.subject]));
    assert.equal(report.totals.anomalies, expected.length);
    assert.equal(report.log.verify.ok, true);
    const rejected = report.anomalies.find((a) => a.code === 'input.rejected')!;
    assert.equal(rejected.time, new Date(T0 + 300_000).toISOString());
    assert.equal(rejected.family, 'input');
    for (const c of report.totals.byCode) {
      const reason = reasonCodes.find((r) => r.code === c.code)!;
      assert.deepEqual([c.summary, c.spec, c.section], [reason.summary, reason.spec, reason.section]);
      assert.equal(c.count, report.anomalies.filter((a) => a.code === c.code).length);
    }
    const byFamily = report.totals.byFamily.reduce((n, f) => n + f.count, 0);
    assert.equal(byFamily, report.totals.anomalies);
    assert.ok(report.totals.byFamily.every((f) => !f.title.startsWith('Other')), 'known families have their own title');
    assert.doesNotMatch(JSON.stringify(report), /SECRET/);
  });

  it('draws a timeline of equal buckets over the log, whose counts add up to the anomalies', async () => {
    const path = join(dir.path, 'ledger');
    await ledgerWithAnomalies(path);
    const { timeline, totals, log } = await reportOf(path);
    assert.equal(log.firstTime, new Date(T0 + 1_000).toISOString(), 'the first input, not ledger_created');
    assert.ok(timeline.length > 1 && timeline.length <= 60, `${timeline.length} buckets`);
    const size = Date.parse(timeline[0]!.end) - Date.parse(timeline[0]!.start);
    timeline.forEach((b, i) => assert.equal(Date.parse(b.start), Date.parse(timeline[0]!.start) + i * size));
    assert.equal(timeline.reduce((n, b) => n + b.count, 0), totals.anomalies);
    for (const b of timeline) assert.equal(Object.values(b.byFamily).reduce((n, c) => n + c, 0), b.count);
  });

  it('gives the same anomalies from a copy of the ledger folder and from its NDJSON export', async () => {
    const original = join(dir.path, 'ledger');
    await ledgerWithAnomalies(original);
    const copy = join(dir.path, 'copy');
    cpSync(original, copy, { recursive: true });
    const exported = join(dir.path, 'export.ndjson');
    await exportOf(copy, exported);
    const [a, b] = [await reportOf(copy), await reportOf(exported)];
    assert.deepEqual([a.log.kind, b.log.kind], ['ledger', 'export']);
    assert.deepEqual(counts(b), counts(a));
    const withoutCommand = (r: AnomalyReport) => r.anomalies.map(({ command, ...rest }) => (assert.ok(command.includes(r.log.path)), rest));
    assert.deepEqual(withoutCommand(b), withoutCommand(a), 'the same, but for the path in the commands');
    assert.deepEqual(b.timeline, a.timeline);
  });

  it('reports hash-chain problems as anomalies of their own, with the verifier\'s message', async () => {
    const path = join(dir.path, 'ledger');
    await ledgerWithAnomalies(path);
    await tamperLog(path, async (log) => {
      const e = await log.get(1);
      (e.payload as { room_id: string }).room_id = '!edited:example.org';
      await log.put(1, e);
    });
    const report = await reportOf(path);
    assert.equal(report.log.verify.ok, false);
    const altered = report.anomalies.find((a) => a.code === 'chain.altered')!;
    assert.deepEqual([altered.seq, altered.outcome, altered.family, altered.slice], [1, 'integrity', 'chain', 'verify']);
    assert.match(String(altered.detail.message), /entry 1 was altered/);
    assert.equal(report.totals.byFamily.find((f) => f.family === 'chain')?.title, 'Hash chain');
    assert.match(report.totals.byCode.find((c) => c.code === 'chain.altered')!.spec, /^beyond the spec/);
  });

  it('shows codes of slices it does not know unchanged, under a generic family title, and redacts details', async () => {
    const decision: Decision = { seq: 1, slice: 'future', code: 'backup_v2.untrusted_auth_data', outcome: 'rejected', subject: 'backup 7', parts: { kind: 'backup', version: '7' } as unknown as Decision['parts'], because: [0], detail: { session_key: 'SECRET', version: '7' } };
    const entry = (seq: number) => ({ seq, receivedAt: T0 + seq, kind: 'x', payload: {}, prevHash: '', hash: '' });
    const source = {
      kind: 'export',
      path: 'fake',
      owner: null,
      headSeq: () => 1,
      entries: async function* () {
        yield entry(0);
        yield entry(1);
      },
      decisions: async (f: { outcome?: string } = {}) => [decision].filter((d) => f.outcome === undefined || d.outcome === f.outcome),
      verify: async () => ({ ok: true, entries: 2, headSeq: 1, headHash: null, firstBadSeq: null, problems: [], checkpoints: { count: 0, valid: 0, lastValidSeq: null, signer: null }, uncoveredTail: 0, warnings: [] }),
    } as unknown as LogSource;
    const report = await reportStreamedAlike(source);
    assert.deepEqual(report.totals.byFamily, [{ family: 'backup_v2', title: 'Other: backup_v2', count: 1 }]);
    assert.equal(report.totals.byCode[0]!.code, 'backup_v2.untrusted_auth_data');
    assert.deepEqual(report.anomalies[0]!.detail, { session_key: '[redacted]', version: '7' });
  });
});

/** A source of these decisions alone, over `head + 1` entries, its chain intact. */
function decisionSource(decisions: readonly Decision[], head: number): LogSource {
  const entry = (seq: number) => ({ seq, receivedAt: T0 + seq, kind: 'x', payload: {}, prevHash: '', hash: '' });
  return {
    kind: 'export',
    path: 'fake',
    owner: null,
    headSeq: () => head,
    entries: async function* () {
      for (let seq = 0; seq <= head; seq++) yield entry(seq);
    },
    decisions: async (f: { outcome?: string } = {}) => decisions.filter((d) => f.outcome === undefined || d.outcome === f.outcome),
    verify: async () => ({ ok: true, entries: head + 1, headSeq: head, headHash: null, firstBadSeq: null, problems: [], checkpoints: { count: 0, valid: 0, lastValidSeq: null, signer: null }, uncoveredTail: 0, warnings: [] }),
  } as unknown as LogSource;
}

describe('anomaly report, streamed from disk', () => {
  it('reads the effects of several incidents side by side, each the right one', async () => {
    // Ten refused keys, each followed by forty messages it left undecryptable.
    const decisions: Decision[] = [];
    for (let k = 0; k < 10; k++) {
      const cause = k * 41 + 1;
      decisions.push({ seq: cause, slice: 'megolm', code: 'room_key.not_over_olm', outcome: 'rejected', subject: `input ${cause}`, parts: {} as Decision['parts'], because: [], detail: {} });
      for (let e = 1; e <= 40; e++) decisions.push({ seq: cause + e, slice: 'megolm', code: 'megolm.undecryptable', outcome: 'flagged', subject: `event $e${cause + e}`, parts: {} as Decision['parts'], because: [cause], detail: { cause: 'session_rejected', code: 'room_key.not_over_olm', pad: 'x'.repeat(e * 100) } });
    }
    const source = decisionSource(decisions, 420);
    const report = await reportStreamedAlike(source);
    assert.equal(report.incidents.length, 10);
    const streamed = await openStreamedReport(source);
    try {
      const incidents = [];
      for await (const i of streamed.incidents()) incidents.push(i);
      const effects = await Promise.all(incidents.map(async (i) => collect(i.effects())));
      assert.deepEqual(effects, report.incidents.map((i) => i.effects));
      assert.deepEqual(incidents.map((i) => [i.effectCount, i.effectCodes]), report.incidents.map(() => [40, [{ code: 'megolm.undecryptable', count: 40 }]]));
    } finally {
      await streamed.close();
    }
  });
});

const SAMPLE = fileURLToPath(new URL('../../../../../docs/samples/semi-trusted-impersonation.ndjson', import.meta.url));

describe('anomaly report: the story', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('puts each effect under its cause, cause first: the refused forwarded key, then the three messages it left undecryptable', async () => {
    const report = await reportOf(SAMPLE);
    const story = report.incidents.map((i) => [i.cause.seq, i.cause.code, i.effects.map((e) => e.subject)]);
    assert.deepEqual(story, [
      [9, 'forwarded_key.untrusted_sender', ['event $forged-1', 'event $forged-2', 'event $forged-3']],
      [17, 'megolm.replayed_index', []],
      [18, 'input.rejected', []],
    ]);
    const listed = report.incidents.flatMap((i) => [i.cause, ...i.effects]);
    assert.deepEqual([...listed].sort((a, b) => a.seq - b.seq), report.anomalies, 'every anomaly exactly once');
    assert.deepEqual(report.anomalies.filter((a) => a.causedBy).map((a) => [a.seq, a.causedBy]), [11, 13, 15].map((seq) => [seq, { seq: 9, code: 'forwarded_key.untrusted_sender' }]));
  });

  it('names the command that goes deeper: why-utd for an undecryptable message, explain for the rest', async () => {
    const report = await reportOf(SAMPLE);
    const command = (seq: number) => report.anomalies.find((a) => a.seq === seq)!.command;
    assert.equal(command(9), `keyledger explain --source ${SAMPLE} 9`);
    assert.equal(command(11), `keyledger why-utd --source ${SAMPLE} '$forged-1'`);
  });

  it('times entries by their input, not by the clock that wrote the log: the timeline spans the inputs', async () => {
    const path = join(dir.path, 'ledger');
    const wallClock = Date.UTC(2026, 10, 30, 9, 0, 0); // a year after the inputs: a replayed capture
    const ledger = await openLedger({ path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now: () => wallClock });
    await ledger.ingest(plainRoomEnvelope(1, T0));
    await ledger.ingestUnknown(plainRoomKey(T0 + 10_000, 'S1'));
    // Valid JSON with its own received_at, not a valid envelope: timed by that received_at.
    await ledger.ingestUnknown(`{"kind":"to_device","received_at":${T0 + 20_000},"event":{"type":"m.room_key","content":{"session_id":7}}}`).catch(() => undefined);
    // Not JSON at all: only the clock of ingestion says when it came.
    await ledger.ingestUnknown('{"kind":"to_device","event":').catch(() => undefined);
    await ledger.ingest(plainRoomEnvelope(2, T0 + 30_000));
    await ledger.close();
    const report = await reportOf(path);
    assert.deepEqual([report.log.firstTime, report.log.lastTime], [new Date(T0).toISOString(), new Date(T0 + 30_000).toISOString()]);
    const rejected = report.anomalies.filter((a) => a.code === 'input.rejected').map((a) => a.time);
    assert.deepEqual(rejected, [new Date(T0 + 20_000).toISOString(), new Date(wallClock).toISOString()]);
    const size = Date.parse(report.timeline[0]!.end) - Date.parse(report.timeline[0]!.start);
    assert.ok(size <= 1_000 && report.timeline.length >= 30, `${report.timeline.length} buckets of ${size} ms: one bar for everything`);
    assert.equal(report.outsideTimeline, 1, 'the input stamped a year later is not drawn');
    assert.equal(report.timeline.reduce((n, b) => n + b.count, 0), report.totals.anomalies - 1);
  });

  it('renders Markdown code spans as <code>, escaping everything around and inside them', () => {
    assert.equal(inlineCode('refused `m.forwarded_room_key` <b>'), 'refused <code>m.forwarded_room_key</code> &#60;b&#62;');
    assert.equal(inlineCode('`<script>`'), '<code>&#60;script&#62;</code>');
    assert.equal(inlineCode('a `b` and an odd ` backtick'), 'a <code>b</code> and an odd ` backtick');
  });
});
