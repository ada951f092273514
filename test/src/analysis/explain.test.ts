import { strict as assert } from 'node:assert';
import { explain, redactSecrets, type Explanation } from '../../../src/index.js';
import { withDemoSources } from './demo-log.js';

describe('explain', () => {
  const demo = withDemoSources();

  it('explains the refused forwarded key: its rule and spec sentence, back to the /keys/query and the to-device input', async () => {
    const x = await explain(demo.ledger, [String(demo.log.forwardFactSeq)]);
    assert.equal(x.match, 'seq');
    const refused = x.decisions.find((d) => d.code === 'forwarded_key.untrusted_sender');
    assert.ok(refused, 'the refusal is among the decisions at the fact');
    assert.equal(refused.outcome, 'rejected');
    assert.match(refused.rule!.spec, /accept forwarded keys from verified devices of the same user/);
    assert.deepEqual(x.inputs, [demo.log.keysQuerySeq, demo.log.forwardInputSeq]);
    const keysQuery = x.evidence.find((e) => e.entry.seq === demo.log.keysQuerySeq)!;
    assert.equal(keysQuery.entry.kind, 'keys_query');
    assert.match(keysQuery.entry.time, /^2025-11-27T08:00:01\.500Z$/);
    // At the /keys/query, what bears on the forward: the tablet that sent it, not every device listed.
    assert.ok(keysQuery.decisions.some((d) => d.subject === 'device @bob:example.org BOBTABLET'));
    assert.ok(!keysQuery.decisions.some((d) => d.subject === 'device @bob:example.org BOBPHONE'));
    assert.ok(keysQuery.otherDecisions > 0);
    assert.equal(x.evidence.find((e) => e.entry.seq === demo.log.forwardInputSeq)!.entry.kind, 'to_device');
  });

  it('follows an undecryptable event back through the refused key to the raw inputs, each entry once', async () => {
    const x = await explain(demo.ledger, ['event', demo.log.forgedEventId]);
    assert.equal(x.match, 'subject');
    assert.deepEqual(x.decisions.map((d) => d.code), ['megolm.undecryptable']);
    const fact = x.evidence.find((e) => e.entry.seq === demo.log.forwardFactSeq)!;
    assert.equal(fact.depth, 1);
    assert.ok(fact.decisions.some((d) => d.code === 'forwarded_key.untrusted_sender'));
    assert.ok(x.inputs.includes(demo.log.keysQuerySeq) && x.inputs.includes(demo.log.forwardInputSeq));
    const seqs = x.evidence.map((e) => e.entry.seq);
    assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b));
    assert.equal(x.current?.kind, 'event');
    // A depth of one stops at the fact and says so.
    const shallow = await explain(demo.ledger, ['event', demo.log.forgedEventId], { depth: 1 });
    assert.equal(shallow.truncated, true);
    assert.ok(!shallow.evidence.some((e) => e.entry.seq === demo.log.keysQuerySeq));
  });

  it('answers trust now for a device, the stored session or why there is none, and matches prefixes', async () => {
    const device = await explain(demo.ledger, ['device', '@bob:example.org', 'BOBTABLET']);
    assert.equal(device.current?.kind, 'device');
    assert.equal(device.current.kind === 'device' && device.current.trust.level, 'cross_signed_tofu');
    const refused = (await demo.ledger.decisions({ code: 'forwarded_key.untrusted_sender' }))[0]!;
    const session = await explain(demo.ledger, refused.subject.split(' '));
    assert.ok(session.current?.kind === 'session' && session.current.stored === null && session.current.utd?.cause === 'session_rejected');
    const prefix = await explain(demo.ledger, ['device', '@bob:example.org']);
    assert.equal(prefix.match, 'prefix');
    assert.ok(prefix.decisions.some((d) => d.subject.endsWith('BOBPHONE')) && prefix.decisions.some((d) => d.subject.endsWith('BOBTABLET')));
    assert.equal((await explain(demo.ledger, ['device', '@nobody:example.org', 'X'])).match, 'none');
  });

  it('shows no secrets, and gives the same answer from the NDJSON export', async () => {
    const fromLedger = await explain(demo.ledger, ['input', String(demo.log.forwardInputSeq)]);
    const fromExport = await explain(demo.exported, ['input', String(demo.log.forwardInputSeq)]);
    assert.deepEqual(fromExport, fromLedger);
    assert.ok(fromLedger.decisions.length >= 2);
    assert.deepEqual(redactSecrets(fromLedger), fromLedger satisfies Explanation);
  });
});
