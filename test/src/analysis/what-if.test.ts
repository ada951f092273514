import { strict as assert } from 'node:assert';
import { openLogSource, whatIf, type LogSource } from '../../../src/index.js';
import { demoLog, type DemoLog } from './demo-log.js';

describe('what-if', () => {
  let log: DemoLog;
  let ledger: LogSource;
  let exported: LogSource;
  before(async () => {
    log = await demoLog();
    ledger = await openLogSource(log.ledgerPath);
    exported = await openLogSource(log.exportPath);
  });
  after(async () => {
    await ledger?.close();
    await exported?.close();
  });

  it('without the /keys/query, the Olm senders are no longer known devices: those verdicts change', async () => {
    const r = await whatIf(ledger, [log.keysQuerySeq]);
    assert.deepEqual(r.skipped, [log.keysQuerySeq]);
    assert.ok(r.skippedDecisions.length > 0 && r.skippedDecisions.every((d) => d.seq === log.keysQuerySeq));
    const forwardOlm = r.changes.find((c) => c.seq === log.forwardFactSeq && c.subject === `input ${log.forwardInputSeq}`)!;
    assert.equal(forwardOlm.change, 'changed');
    assert.ok(forwardOlm.fields.includes('code'));
    assert.equal(forwardOlm.before?.code, 'olm.payload_accepted');
    // Nothing about the keys_query itself is listed as a change elsewhere.
    assert.ok(r.changes.every((c) => c.seq !== log.keysQuerySeq));
    assert.equal(r.stateHash.differs, true);
  });

  it('skipping an input skips its facts, and says so; the forged message then has no refused key to blame', async () => {
    const r = await whatIf(ledger, [log.forwardInputSeq, 9_999]);
    assert.deepEqual(r.factsSkipped, [{ seq: log.forwardFactSeq, inputSeq: log.forwardInputSeq }]);
    assert.deepEqual(r.missing, [9_999]);
    assert.ok(r.skippedDecisions.some((d) => d.code === 'forwarded_key.untrusted_sender'));
    const utd = r.changes.find((c) => c.subject === `event ${log.forgedEventId}`)!;
    assert.deepEqual([utd.before?.detail?.cause, utd.after?.detail?.cause], ['session_rejected', 'no_session']);
  });

  it('changes nothing when nothing that matters is skipped, and gives the same answer from the export', async () => {
    const head = ledger.headSeq(); // the garbled input: rejected, it touches nothing else
    const r = await whatIf(ledger, [head]);
    assert.deepEqual(r.changes, []);
    assert.deepEqual(await whatIf(exported, [log.keysQuerySeq]), await whatIf(ledger, [log.keysQuerySeq]));
  });
});
