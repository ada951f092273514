import { strict as assert } from 'node:assert';
import { whyUtd } from '../../../src/index.js';
import { withDemoSources } from './demo-log.js';

describe('why-utd', () => {
  const demo = withDemoSources();

  it('says the forged message failed because its session\'s key was refused at the forward, with the session\'s timeline', async () => {
    const r = (await whyUtd(demo.ledger, demo.log.forgedEventId))!;
    assert.equal(r.status, 'undecryptable');
    assert.equal(r.cause?.name, 'session_rejected');
    assert.equal(r.cause.code, 'forwarded_key.untrusted_sender');
    assert.equal(r.cause.seq, demo.log.forwardFactSeq);
    assert.match(r.cause.summary, new RegExp(`at seq ${demo.log.forwardFactSeq} and was refused: forwarded_key.untrusted_sender`));
    assert.equal(r.now?.cause, 'session_rejected');
    assert.deepEqual(r.causeDecisions.map((d) => d.code), ['forwarded_key.untrusted_sender']);
    assert.equal(r.causeEntry?.inputSeq, demo.log.forwardInputSeq);
    // The timeline: the refusal, the event arriving, the event judged — in log order.
    assert.deepEqual(
      r.timeline.map((t) => t.decision?.code ?? `event ${t.event!.outcome}`),
      ['forwarded_key.untrusted_sender', 'event megolm_undecryptable', 'megolm.undecryptable'],
    );
    assert.deepEqual(r.timeline.map((t) => t.seq), [...r.timeline.map((t) => t.seq)].sort((a, b) => a - b));
  });

  it('for an event that decrypted: says so, with the session\'s provenance and the replay flag', async () => {
    const r = (await whyUtd(demo.ledger, demo.log.replayedEventId))!;
    assert.equal(r.status, 'decrypted');
    assert.equal(r.cause, null);
    assert.equal(r.provenance?.authenticity, 'authenticated');
    assert.equal(r.provenance.senderDevice?.deviceId, 'ALICELAPTOP');
    assert.deepEqual(r.eventDecisions.map((d) => d.code), ['megolm.replayed_index']);
    assert.ok(r.timeline.some((t) => t.event?.eventId === demo.log.firstEventId));
    assert.ok(r.timeline.some((t) => t.decision?.code === 'room_key.accepted'));
  });

  it('returns null for an unknown event, and the same answers from the NDJSON export', async () => {
    assert.equal(await whyUtd(demo.ledger, '$not-in-the-log'), null);
    for (const id of [demo.log.forgedEventId, demo.log.replayedEventId]) assert.deepEqual(await whyUtd(demo.exported, id), await whyUtd(demo.ledger, id));
  });
});
