import { strict as assert } from 'node:assert';
import { TestScheduler } from 'rxjs/testing';
import { anomalies, decisionsMatching, type Decision } from '../../src/index.js';

// The parts do not matter to these operators: every decision says it is about an input.
const decision = (seq: number, code: string, outcome: Decision['outcome'], subject = `input ${seq}`): Decision => ({ seq, slice: 'test', code, outcome, subject, parts: { kind: 'input', input_seq: seq }, because: [] });

const values = {
  a: decision(1, 'room_key.accepted', 'accepted', 'session !r:s K S'),
  b: decision(2, 'forwarded_key.untrusted_sender', 'rejected', 'session !r:s K S'),
  c: decision(3, 'megolm.undecryptable', 'flagged', 'event $e'),
  d: decision(4, 'forwarded_key.unrequested', 'rejected', 'session !r:s K T'),
};

describe('decision operators', () => {
  const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

  it('anomalies() passes refusals and flags, in order, and completes with the source', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c-d|', values).pipe(anomalies())).toBe('--b-c-d|', values);
    });
  });

  it('decisionsMatching() selects a code family or a subject prefix, as ledger.decisions() does', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c-d|', values).pipe(decisionsMatching({ code: 'forwarded_key.' }))).toBe('--b---d|', values);
      expectObservable(cold('a-b-c-d|', values).pipe(decisionsMatching({ subject: 'session !r:s K S' }))).toBe('a-b----|', values);
    });
  });
});
