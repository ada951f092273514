import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { diffStates, openLogSource, ReplaySession, type LogSource } from '../../../src/index.js';
import { emptyHashedMap, hmSet } from '../../../projections/hashmap.js';
import { MemorySource } from '../../../src/analysis/sources/memory-source.js';
import { PLAINTEXT_SECRET, plaintextRoomKey, writeDemoLedger } from '../../helpers/demo-ledger.js';
import { tempDir } from '../../helpers/tmp.js';

/** `source` with its calls of `stateAt` and `replay` counted. */
function spied(source: LogSource): { source: LogSource; stateAt: number[]; replays: number } {
  const calls = { stateAt: [] as number[], replays: 0 };
  const wrapped: LogSource = Object.create(source, {
    stateAt: { value: (seq: number) => (calls.stateAt.push(seq), source.stateAt(seq)) },
    replay: { value: (o: never) => (calls.replays++, source.replay(o)) },
  });
  return { source: wrapped, get stateAt() { return calls.stateAt; }, get replays() { return calls.replays; } };
}

describe('ReplaySession', () => {
  const dir = tempDir('keyledger-debugger-');
  let source: LogSource;
  /** Seqs of the demo's landmarks, from the decisions (not hard-coded). */
  let forwardedSeq: number;
  let replaySeq: number | undefined;
  let secretSeq: number;

  before(async () => {
    await writeDemoLedger(join(dir.path, 'ledger'), [plaintextRoomKey]);
    source = await openLogSource(join(dir.path, 'ledger'));
    forwardedSeq = (await source.decisions({ code: 'forwarded_key.' }))[0]!.seq;
    for await (const e of source.entries()) if (JSON.stringify(e.payload).includes('$replayed-by-the-server')) replaySeq ??= e.seq;
    secretSeq = source.headSeq();
  });
  after(async () => {
    await source.close();
    dir.cleanup();
  });

  it('starts before the first entry and steps forward and back to the same states', async () => {
    const session = await ReplaySession.open(source);
    assert.equal(session.seq, -1);
    assert.deepEqual(await session.diff(), []);
    assert.equal((await session.next(6)).seq, 5);
    const at5 = await session.stateHash();
    assert.equal((await session.next()).seq, 6);
    assert.equal((await session.back()).seq, 5);
    assert.equal(await session.stateHash(), at5);
    assert.equal(at5, source.stateHash(await source.stateAt(5)));
    assert.equal((await session.back(100)).seq, -1);
    assert.equal((await session.next(1_000)).seq, source.headSeq());
    assert.equal(await session.stateHash(), source.stateHash());
  });

  it('jumps with stateAt (snapshot plus tail), never a replay from zero', async () => {
    const spy = spied(source);
    const session = await ReplaySession.open(spy.source);
    await session.goto(12);
    await session.state();
    await session.back(3);
    await session.diff();
    assert.equal(spy.replays, 0);
    assert.deepEqual([...spy.stateAt].sort((a, b) => a - b), [8, 9, 12]);
    await assert.rejects(session.goto(source.headSeq() + 1), RangeError);
  });

  it('runs to a code family, a kind, and finds IDs, staying put when nothing matches', async () => {
    const session = await ReplaySession.open(source);
    const hit = await session.breakOn('forwarded_key.');
    assert.equal(hit?.seq, forwardedSeq);
    assert.ok(hit.decisions.some((d) => d.code === 'forwarded_key.untrusted_sender'));
    assert.equal((await session.breakOn('rejected_input'))?.kind, 'rejected_input');
    assert.equal(await session.breakOn('forwarded_key.'), null);
    await session.goto(-1);
    assert.equal((await session.find('$replayed-by-the-server'))?.seq, replaySeq);
    await session.goto(-1);
    assert.equal((await session.find('BOBTABLET'))?.seq, 1); // the keys_query listing it
    assert.equal(await session.find('no such thing anywhere'), null);
    assert.equal(session.seq, 1);
  });

  it('diffs an entry slice by slice, with hashed maps shown by their keys', async () => {
    const session = await ReplaySession.open(source);
    await session.goto(forwardedSeq);
    const changes = await session.diff();
    assert.ok(changes.some((c) => c.slice === 'megolm' && c.old === undefined), 'the rejected key is recorded in the megolm slice');
    assert.ok(changes.every((c) => !/\.buckets\b/.test(c.path)), 'hash buckets leaked into a path');
    const before = await source.stateAt(forwardedSeq - 1);
    const after = await source.stateAt(forwardedSeq);
    assert.equal(changes.length, diffStates(before, after).length);
  });

  it('never shows or finds a secret', async () => {
    const session = await ReplaySession.open(source);
    assert.equal(await session.find(PLAINTEXT_SECRET), null);
    await session.goto(secretSeq);
    const shown = JSON.stringify([await session.entry(), await session.current(), await session.state(), await session.diff()]);
    assert.ok(!shown.includes(PLAINTEXT_SECRET));
    assert.ok(shown.includes('[redacted]'));
    assert.equal((await session.decisionsHere())[0]?.code, 'room_key.not_over_olm');
  });
});

describe('ReplaySession over a long log', () => {
  it('reports progress while it scans, and stays put when nothing matches', async () => {
    const entries = Array.from({ length: 2_500 }, (_, seq) => ({
      seq, receivedAt: seq, kind: 'room_event', prevHash: '', hash: '',
      payload: { room_id: '!r:x', event: { event_id: `$${seq}`, sender: '@a:x', origin_server_ts: seq, type: 'm.room.message', content: { body: `${seq}` } } },
    }));
    const source = await MemorySource.fromEntries('(memory)', entries);
    try {
      const session = await ReplaySession.open(source);
      const progress: number[] = [];
      assert.equal(await session.breakOn('user_action', (scanned) => progress.push(scanned)), null);
      assert.deepEqual(progress, [1_000, 2_000]);
      assert.equal(session.seq, -1);
      assert.equal((await session.find('$2400'))?.seq, 2_400);
    } finally {
      await source.close();
    }
  });
});

describe('diffStates', () => {
  it('reports changed leaves with readable paths, added and removed subtrees whole', () => {
    const devices = emptyHashedMap<unknown>();
    hmSet(devices, '@alice:example.org', { trust: 'unverified' });
    const later = structuredClone(devices);
    hmSet(later, '@alice:example.org', { trust: 'verified' });
    hmSet(later, '@bob:example.org', { trust: 'unverified' });
    const changes = diffStates({ ids: { devices, list: [1] } }, { ids: { devices: later, list: [1, 2] } });
    assert.deepEqual(changes, [
      { slice: 'ids', path: '.devices[@alice:example.org].trust', old: 'unverified', new: 'verified' },
      { slice: 'ids', path: '.devices[@bob:example.org]', new: { trust: 'unverified' } },
      { slice: 'ids', path: '.list[1]', new: 2 },
    ]);
  });
});
