import { strict as assert } from 'node:assert';
import { openLogSource, whyUtd, type LogSource } from '../../../src/index.js';
import { demoLog, type DemoLog } from './demo-log.js';

describe('why-utd', () => {
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

  it('says the forged message failed because its session\'s key was refused at the forward, with the session\'s timeline', async () => {
    const r = (await whyUtd(ledger, log.forgedEventId))!;
    assert.equal(r.status, 'undecryptable');
    assert.equal(r.cause?.name, 'session_rejected');
    assert.equal(r.cause.code, 'forwarded_key.untrusted_sender');
    assert.equal(r.cause.seq, log.forwardFactSeq);
    assert.match(r.cause.summary, new RegExp(`at seq ${log.forwardFactSeq} and was refused: forwarded_key.untrusted_sender`));
    assert.equal(r.now?.cause, 'session_rejected');
    assert.deepEqual(r.causeDecisions.map((d) => d.code), ['forwarded_key.untrusted_sender']);
    assert.equal(r.causeEntry?.inputSeq, log.forwardInputSeq);
    // The timeline: the refusal, the event arriving, the event judged — in log order.
    assert.deepEqual(
      r.timeline.map((t) => t.decision?.code ?? `event ${t.event!.outcome}`),
      ['forwarded_key.untrusted_sender', 'event megolm_undecryptable', 'megolm.undecryptable'],
    );
    assert.deepEqual(r.timeline.map((t) => t.seq), [...r.timeline.map((t) => t.seq)].sort((a, b) => a - b));
  });

  it('for an event that decrypted: says so, with the session\'s provenance and the replay flag', async () => {
    const r = (await whyUtd(ledger, log.replayedEventId))!;
    assert.equal(r.status, 'decrypted');
    assert.equal(r.cause, null);
    assert.equal(r.provenance?.authenticity, 'authenticated');
    assert.equal(r.provenance.senderDevice?.deviceId, 'ALICELAPTOP');
    assert.deepEqual(r.eventDecisions.map((d) => d.code), ['megolm.replayed_index']);
    assert.ok(r.timeline.some((t) => t.event?.eventId === log.firstEventId));
    assert.ok(r.timeline.some((t) => t.decision?.code === 'room_key.accepted'));
  });

  it('returns null for an unknown event, and the same answers from the NDJSON export', async () => {
    assert.equal(await whyUtd(ledger, '$not-in-the-log'), null);
    for (const id of [log.forgedEventId, log.replayedEventId]) assert.deepEqual(await whyUtd(exported, id), await whyUtd(ledger, id));
  });
});
