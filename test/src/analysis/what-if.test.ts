import { strict as assert } from 'node:assert';
import { whatIf } from '../../../src/index.js';
import { withDemoSources } from './demo-log.js';

describe('what-if', () => {
  const demo = withDemoSources();

  it('without the /keys/query, the Olm senders are no longer known devices: those verdicts change', async () => {
    const r = await whatIf(demo.ledger, [demo.log.keysQuerySeq]);
    assert.deepEqual(r.skipped, [demo.log.keysQuerySeq]);
    assert.ok(r.skippedDecisions.length > 0 && r.skippedDecisions.every((d) => d.seq === demo.log.keysQuerySeq));
    const forwardOlm = r.changes.find((c) => c.seq === demo.log.forwardFactSeq && c.subject === `input ${demo.log.forwardInputSeq}`)!;
    assert.equal(forwardOlm.change, 'changed');
    assert.ok(forwardOlm.fields.includes('code'));
    assert.equal(forwardOlm.before?.code, 'olm.payload_accepted');
    // Nothing about the keys_query itself is listed as a change elsewhere.
    assert.ok(r.changes.every((c) => c.seq !== demo.log.keysQuerySeq));
    assert.equal(r.stateHash.differs, true);
  });

  it('skipping an input skips its facts, and says so; the forged message then has no refused key to blame', async () => {
    const r = await whatIf(demo.ledger, [demo.log.forwardInputSeq, 9_999]);
    assert.deepEqual(r.factsSkipped, [{ seq: demo.log.forwardFactSeq, inputSeq: demo.log.forwardInputSeq }]);
    assert.deepEqual(r.missing, [9_999]);
    assert.ok(r.skippedDecisions.some((d) => d.code === 'forwarded_key.untrusted_sender'));
    const utd = r.changes.find((c) => c.subject === `event ${demo.log.forgedEventId}`)!;
    assert.deepEqual([utd.before?.detail?.cause, utd.after?.detail?.cause], ['session_rejected', 'no_session']);
  });

  it('changes nothing when nothing that matters is skipped, and gives the same answer from the export', async () => {
    const head = demo.ledger.headSeq(); // the garbled input: rejected, it touches nothing else
    const r = await whatIf(demo.ledger, [head]);
    assert.deepEqual(r.changes, []);
    assert.deepEqual(await whatIf(demo.exported, [demo.log.keysQuerySeq]), await whatIf(demo.ledger, [demo.log.keysQuerySeq]));
  });
});
