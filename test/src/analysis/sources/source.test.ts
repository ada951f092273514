import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, openLogSource, redactSecrets, type LedgerEntry } from '../../../../src/index.js';
import { plainRoomEnvelope, tempDir } from '../../../helpers/tmp.js';

describe('log sources', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  async function ledgerAndExport(redact: boolean): Promise<{ ledgerPath: string; exportPath: string }> {
    const ledgerPath = join(dir.path, 'ledger');
    const ledger = await openLedger({ path: ledgerPath, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
    for (let i = 0; i < 5; i++) await ledger.ingest(plainRoomEnvelope(i));
    await ledger.ingestUnknown('{"kind":"to_device","event":{"type":"m.room_key","sender":"@m:x","content":{"session_key":"SECRET"}}').catch(() => undefined);
    // A plaintext room key (refused by the rules, logged with its key taken out as "[sealed]").
    await ledger.ingest({ kind: 'to_device', event: { type: 'm.room_key', sender: '@m:x', content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r:x', session_id: 'S', session_key: 'SECRET' } } });
    const lines: string[] = [];
    for await (const e of ledger.entries()) lines.push(JSON.stringify(redact ? redactSecrets(e) : e));
    await ledger.close();
    const exportPath = join(dir.path, 'export.ndjson');
    writeFileSync(exportPath, `${lines.join('\n')}\n`);
    return { ledgerPath, exportPath };
  }

  it('gives the same state, decisions and history from a ledger folder and from its NDJSON export', async () => {
    const { ledgerPath, exportPath } = await ledgerAndExport(false);
    const [a, b] = [await openLogSource(ledgerPath), await openLogSource(exportPath)];
    try {
      assert.deepEqual([a.kind, b.kind], ['ledger', 'export']);
      assert.equal(b.headSeq(), a.headSeq());
      assert.equal(b.stateHash(), a.stateHash());
      assert.equal(b.stateHash(await b.stateAt(3)), a.stateHash(await a.stateAt(3)));
      assert.deepEqual(await b.decisions(), await a.decisions());
      assert.deepEqual(b.owner, a.owner);
      assert.equal((await b.verify()).ok, true);
      assert.equal(await b.recordedDecisions(), null);
      assert.deepEqual(await a.recordedDecisions(), await a.decisions());
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('checks an export\'s chain: redacted entries are a warning, an edited one is named', async () => {
    const { exportPath } = await ledgerAndExport(true);
    const source = await openLogSource(exportPath);
    const report = await source.verify();
    assert.equal(report.ok, true);
    assert.ok(report.warnings.some((w) => /redacted/.test(w)));
    await source.close();
    const lines = (await import('node:fs')).readFileSync(exportPath, 'utf8').trim().split('\n');
    const e = JSON.parse(lines[2]!) as LedgerEntry;
    (e.payload as { room_id: string }).room_id = '!edited:example.org';
    lines[2] = JSON.stringify(e);
    writeFileSync(exportPath, lines.join('\n'));
    const edited = await openLogSource(exportPath);
    assert.equal((await edited.verify()).firstBadSeq, 2);
    await edited.close();
  });

  it('names the line of an export that is not an entry', async () => {
    const path = join(dir.path, 'bad.ndjson');
    writeFileSync(path, '{"seq":0}\n');
    await assert.rejects(openLogSource(path), /bad\.ndjson:1: not a ledger entry/);
  });
});
