import { strict as assert } from 'node:assert';
import { toArray } from 'rxjs';
import {
  InputDecodeError,
  LedgerIdentityMismatchError,
  LedgerLockedError,
  LedgerNotFoundError,
  LedgerReadOnlyError,
  openLedger,
  VaultKeyError,
  type Decision,
  type LedgerEntry,
} from '../../src/index.js';
import { plainRoomEnvelope as roomEnvelope, tempDir } from '../helpers/tmp.js';
import { collect } from '../helpers/collect.js';

/** Our device, its ledger created without a store key on purpose (tests that want one pass it). */
const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true };

describe('ledger', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  describe('given a new ledger', () => {
    it('starts the log with our device, whose keys the ledger also serves for /keys/upload', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      const [genesis] = await collect(ledger.entries());
      assert.equal(genesis!.kind, 'ledger_created');
      assert.deepEqual((genesis!.payload as { keys: unknown }).keys, { ed25519: ledger.owner.ed25519, curve25519: ledger.owner.curve25519 });
      assert.equal(ledger.deviceKeys().keys[`ed25519:${me.deviceId}`], ledger.owner.ed25519);
      await ledger.close();
    });

    it('never hands out a one-time key twice, across a reopen', async () => {
      let ledger = await openLedger({ path: dir.path, ...me });
      const first = Object.values((await ledger.publishKeys({ count: 5 })).one_time_keys).map((k) => k.key);
      await ledger.close();
      ledger = await openLedger({ path: dir.path });
      const second = Object.values((await ledger.publishKeys({ count: 5 })).one_time_keys).map((k) => k.key);
      await ledger.close();
      assert.equal(new Set([...first, ...second]).size, 10);
    });
  });

  describe('when an input arrives', () => {
    it('lists entries as a stream or, awaited, as an array', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      await ledger.ingestMany([roomEnvelope(1), roomEnvelope(2)]);
      const all = await ledger.entries({ from: 1 });
      assert.deepEqual(all.map((e) => e.seq), [1, 2]);
      assert.deepEqual((await collect(ledger.entries({ from: 2 }))).map((e) => e.seq), [2]);
      await ledger.close();
    });

    it('resolves with its seq once written, and a reopened ledger has it', async () => {
      let ledger = await openLedger({ path: dir.path, ...me });
      const r = await ledger.ingest(roomEnvelope(1));
      assert.deepEqual([r.seq, r.kind], [1, 'room_event']);
      await ledger.close();
      ledger = await openLedger({ path: dir.path, readOnly: true });
      assert.equal(ledger.headSeq(), 1);
      await ledger.close();
    });

    it('logs a bad input as rejected_input and rejects with the decoder path', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      const bad = { kind: 'to_device', event: { type: 'm.room_key', sender: '@a:b', content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r:b', session_id: 5, session_key: 'k' } } };
      const err = await ledger.ingestUnknown(bad).then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InputDecodeError);
      assert.equal(err.path, 'event.content.session_id');
      assert.equal(err.detail, 'event.content.session_id: expected string, got number');
      const entries = await collect(ledger.entries({ from: err.seq }));
      assert.equal(entries[0]!.kind, 'rejected_input');
      assert.equal((await ledger.decisions({ code: 'input.rejected' }))[0]!.seq, err.seq);
      // The engine goes on.
      assert.equal((await ledger.ingest(roomEnvelope(2))).seq, err.seq + 1);
      await ledger.close();
    });

    it('does not quote invalid JSON in its error (the text may hold a secret)', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      const err = (await ledger.ingestUnknown('{"session_key":SECRETSECRET}').catch((e: unknown) => e)) as InputDecodeError;
      assert.doesNotMatch(err.message, /SECRET/);
      assert.match(err.detail, /^invalid JSON/);
      await ledger.close();
    });

    it('never throws on input JSON cannot hold: it is rejected and logged', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      const cyclic: Record<string, unknown> = { kind: 'keys_query', response: {} };
      (cyclic['response'] as Record<string, unknown>)['self'] = cyclic;
      for (const input of [cyclic, { kind: 'keys_query', response: { device_keys: {}, n: 10n } }, undefined, 42, '"\\ud800"']) {
        await assert.rejects(ledger.ingestUnknown(input), InputDecodeError);
      }
      assert.equal((await ledger.verify()).ok, true);
      await ledger.close();
    });

    it('stamps received_at from the envelope, else from the clock', async () => {
      const ledger = await openLedger({ path: dir.path, ...me, now: () => 42 });
      await ledger.ingest(roomEnvelope(1, 1_700_000_000_123));
      await ledger.ingest({ kind: 'keys_query', response: {} });
      const [, a, b] = await collect(ledger.entries());
      assert.deepEqual([a!.receivedAt, b!.receivedAt], [1_700_000_000_123, 42]);
      await ledger.close();
    });

    it('does not let the caller change a logged payload afterwards', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      const envelope = roomEnvelope(1);
      const seen: LedgerEntry[] = [];
      ledger.entries$.subscribe((e) => seen.push(e));
      await ledger.ingest(envelope);
      envelope.room_id = '!changed:example.org';
      assert.equal((seen[0]!.payload as { room_id: string }).room_id, '!room:example.org');
      await ledger.close();
    });
  });

  describe('streams', () => {
    it('emit entries and decisions once written, and complete on close', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      const entries = new Promise<LedgerEntry[]>((r) => ledger.entries$.pipe(toArray()).subscribe(r));
      const decisions = new Promise<Decision[]>((r) => ledger.decisions$.pipe(toArray()).subscribe(r));
      await Promise.all([ledger.ingest(roomEnvelope(1)), ledger.ingestUnknown('not json').catch(() => undefined), ledger.ingest(roomEnvelope(2))]);
      await ledger.close();
      assert.deepEqual((await entries).map((e) => e.seq), [1, 2, 3]);
      assert.deepEqual((await decisions).map((d) => [d.seq, d.code]), [[2, 'input.rejected']]);
    });
  });

  describe('opening', () => {
    it('refuses a second writer with LedgerLockedError', async () => {
      const ledger = await openLedger({ path: dir.path, ...me });
      await assert.rejects(openLedger({ path: dir.path }), LedgerLockedError);
      await ledger.close();
    });

    it('refuses a missing ledger, another owner, and writes when read-only', async () => {
      await assert.rejects(openLedger({ path: `${dir.path}/nothing` }), (err: unknown) => {
        // A library error speaks of library calls, not of the command line.
        assert.ok(err instanceof LedgerNotFoundError);
        assert.equal(err.code, 'ledger.not_found');
        assert.match(err.message, /openLedger\(\{ path, userId, deviceId \}\)/);
        assert.doesNotMatch(err.message, /keyledger init/);
        return true;
      });
      await (await openLedger({ path: dir.path, ...me })).close();
      await assert.rejects(openLedger({ path: dir.path, userId: '@other:example.org', deviceId: 'ME' }), LedgerIdentityMismatchError);
      const ro = await openLedger({ path: dir.path, readOnly: true });
      await assert.rejects(ro.ingest(roomEnvelope(1)), LedgerReadOnlyError);
      await ro.close();
    });

    it('seals the vault with the store key: a wrong or missing key is refused', async () => {
      await (await openLedger({ path: dir.path, ...me, storeKey: 'correct horse' })).close();
      await assert.rejects(openLedger({ path: dir.path, storeKey: 'wrong horse' }), VaultKeyError);
      await assert.rejects(openLedger({ path: dir.path }), VaultKeyError);
      const ledger = await openLedger({ path: dir.path, storeKey: 'correct horse' });
      await ledger.close();
    });

    it('answers stateAt from snapshots and the log, as the state was then', async () => {
      const ledger = await openLedger({ path: dir.path, ...me, snapshotEvery: 3 });
      for (let i = 0; i < 10; i++) await ledger.ingest(roomEnvelope(i));
      const at5 = (await ledger.stateAt(5)) as { log: { lastSeq: number; entries: number } };
      assert.deepEqual([at5.log.lastSeq, at5.log.entries], [5, 6]);
      const replayed = await ledger.replay({ to: 5 });
      assert.equal(ledger.stateHash(replayed.state), ledger.stateHash(at5 as never));
      await ledger.close();
    });
  });
});
