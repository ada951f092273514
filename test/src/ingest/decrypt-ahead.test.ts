import { strict as assert } from 'node:assert';
import { loadOlm, type Olm } from '../../../src/crypto/olm.js';
import { OlmFailure } from '../../../src/crypto/failure.js';
import { InboundMegolmSession } from '../../../src/crypto/megolm-session.js';
import { MegolmDecryptAhead } from '../../../src/crypto/megolm-worker.js';
import { canonicalJson, openLedger, type Envelope, type Ledger } from '../../../src/index.js';
import { SimDevice, exportSessionAt, type MegolmRoomEvent, type SimOutboundGroupSession } from '../../../src/testkit/index.js';
import { countMegolmDecrypts } from '../../../tools/bench/util.js';
import { ledgerRecipient } from '../../helpers/peers.js';
import { tempDir } from '../../helpers/tmp.js';

const ROOM = '!ahead:example.org';

const roomEvent = (event: MegolmRoomEvent): Envelope => ({ kind: 'room_event', room_id: ROOM, received_at: event.origin_server_ts + 100, event });

/** What an outcome logged and decided, without what depends on our own keys. */
async function logged(ledger: Ledger, outcomes: Awaited<ReturnType<Ledger['ingestMany']>>): Promise<string[]> {
  const out: string[] = [];
  for (const o of outcomes) {
    assert.ok(o.ok);
    for await (const e of ledger.entries({ from: o.seq, to: o.seqs[o.seqs.length - 1]! })) {
      if (e.kind === 'room_event' || e.kind.startsWith('megolm_')) out.push(`${e.seq} ${e.kind} ${canonicalJson(e.payload)}`);
    }
    out.push(`${o.seq} ${o.decisions.map((d) => d.code).join(',')} ${o.plaintext ? canonicalJson(o.plaintext) : '-'}`);
  }
  return out;
}

describe('Megolm decryption ahead on a worker thread', () => {
  let olm: typeof Olm;
  before(async () => {
    olm = await loadOlm();
  });

  describe('a ledger with the worker and one without', () => {
    let dirs: ReturnType<typeof tempDir>[];
    let alice: SimDevice;
    beforeEach(async () => {
      dirs = [tempDir(), tempDir()];
      alice = await SimDevice.create('@alice:example.org', 'ALICE');
    });
    afterEach(() => {
      alice.free();
      for (const d of dirs) d.cleanup();
    });

    it('log the same facts and decisions and answer the same plaintexts, batch after batch, while the worker takes the decryptions of a batch off the main thread', async () => {
      const [withWorker, without] = await Promise.all([
        openLedger({ path: dirs[0]!.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true }),
        openLedger({ path: dirs[1]!.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, decryptWorker: false }),
      ]);
      try {
        const s1: SimOutboundGroupSession = alice.createOutboundSession(ROOM);
        const s2: SimOutboundGroupSession = alice.createOutboundSession(ROOM);
        const early = Array.from({ length: 5 }, (_, i) => s1.encrypt('m.room.message', { body: `early ${i}` }));
        // S1 is shared from index 5 on: the first five events are before its first known index.
        const late = s1.roomKeyContent();
        const batch1: Envelope[] = [...early, ...Array.from({ length: 40 }, (_, i) => s1.encrypt('m.room.message', { body: `s1 ${i}` }))].map(roomEvent);
        // A ciphertext with a broken MAC, and an event given twice.
        const tampered = structuredClone((batch1[10] as unknown as { event: MegolmRoomEvent }).event);
        tampered.content.ciphertext = tampered.content.ciphertext.slice(0, -6) + (tampered.content.ciphertext.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
        tampered.event_id = '$tampered';
        batch1.splice(20, 0, roomEvent(tampered), batch1[30]!);
        // Batch 2: S1's key from index 0 arrives in the middle (a better key: a new seq), and
        // S2's key too; the events after them need keys the state before the batch did not have.
        const s2Key = s2.roomKeyContent();
        const s2Events = Array.from({ length: 20 }, (_, i) => s2.encrypt('m.room.message', { body: `s2 ${i}` }));
        const more = Array.from({ length: 30 }, (_, i) => s1.encrypt('m.room.message', { body: `s1 later ${i}` }));
        const last = Array.from({ length: 40 }, (_, i) => s1.encrypt('m.room.message', { body: `s1 last ${i}` })).map(roomEvent);

        const results: string[][] = [];
        const counts: number[] = [];
        const lastCounts: number[] = [];
        for (const ledger of [withWorker, without]) {
          const to = await ledgerRecipient(ledger);
          await ledger.ingest({ kind: 'to_device', event: alice.encryptToDevice(to, 'm.room_key', late) });
          // Counted on this thread only: the worker has its own libolm.
          const counter = countMegolmDecrypts(olm);
          try {
            const lines = await logged(ledger, await ledger.ingestMany(batch1));
            const keys = [
              { kind: 'to_device', event: alice.encryptToDevice(to, 'm.room_key', { ...late, session_key: s1.initialSessionKey }) },
              { kind: 'to_device', event: alice.encryptToDevice(to, 'm.room_key', s2Key) },
            ] as Envelope[];
            const batch2 = [...more.slice(0, 15).map(roomEvent), ...keys, ...early.map(roomEvent), ...s2Events.map(roomEvent), ...more.slice(15).map(roomEvent)];
            const outcomes = await ledger.ingestMany(batch2);
            lines.push(...(await logged(ledger, outcomes.filter((_, i) => i < 15 || i >= 17))));
            // The worker, started by the first batch, has loaded libolm by now.
            await new Promise((r) => setTimeout(r, 1500));
            const before = counter.calls;
            lines.push(...(await logged(ledger, await ledger.ingestMany(last))));
            lastCounts.push(counter.calls - before);
            results.push(lines);
          } finally {
            counts.push(counter.calls);
            counter.restore();
          }
        }
        const differ = results[0]!.findIndex((line, i) => line !== results[1]![i]);
        assert.equal(differ, -1, `with the worker: ${results[0]![differ]}\nwithout: ${results[1]![differ]}`);
        assert.equal(results[0]!.length, results[1]!.length);
        const text = results[0]!.join('\n');
        // Every path was taken: decrypted, before the first known index, a broken MAC, and the
        // early events decrypted after the better key.
        assert.match(text, /megolm_undecryptable .*"reason":"unknown_index"/);
        assert.match(text, /megolm_undecryptable .*"reason":"bad_ciphertext"/);
        assert.match(text, /"body":"early 0"/);
        assert.match(text, /"body":"s2 19"/);
        assert.equal((text.match(/megolm_decrypted/g) ?? []).length, 40 + 1 + 30 + 5 + 20 + 40);
        // Without the worker every event is decrypted on this thread; with it, the worker
        // decrypts part of the last batch (whose key the state before it names), and this
        // thread the rest (those it reached before the worker did).
        assert.equal(counts[1], batch1.length + 30 + 5 + 20 + 40);
        assert.equal(lastCounts[1], 40);
        assert.ok(lastCounts[0]! < 40, `the worker decrypted none of the last batch`);
      } finally {
        await withWorker.close();
        await without.close();
      }
    });
    it('go on decrypting when the worker thread dies between batches or during one', async () => {
      const ledger = await openLedger({ path: dirs[0]!.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
      try {
        const session = alice.createOutboundSession(ROOM);
        const key = session.roomKeyContent();
        await ledger.ingest({ kind: 'to_device', event: alice.encryptToDevice(await ledgerRecipient(ledger), 'm.room_key', key) });
        const batch = (n: number) => Array.from({ length: n }, (_, i) => roomEvent(session.encrypt('m.room.message', { body: `m ${i}` })));
        const bodies = async (envelopes: Envelope[]) =>
          (await ledger.ingestMany(envelopes)).map((o) => (o.ok ? (o.plaintext?.content['body'] ?? null) : null));
        await bodies(batch(40));
        await new Promise((r) => setTimeout(r, 1000));
        // The engine's own worker, reached for the test: killed with no word to the main thread.
        const worker = (ledger as unknown as { parts: { ingestor: { megolmKeys: { ahead: { worker: { terminate(): Promise<number> } } } } } }).parts.ingestor.megolmKeys.ahead.worker;
        const next = batch(300);
        const during = bodies(next);
        await worker.terminate();
        assert.deepEqual(await during, next.map((_, i) => `m ${i}`));
        const after = batch(40);
        assert.deepEqual(await bodies(after), after.map((_, i) => `m ${i}`));
      } finally {
        await ledger.close();
      }
    });
  });

  describe('the worker on its own', () => {
    let ahead: MegolmDecryptAhead;
    let alice: SimDevice;
    let session: SimOutboundGroupSession;
    let events: MegolmRoomEvent[];
    let exported: string;
    beforeEach(async () => {
      // This thread takes over nothing (it holds no key): every answer is the worker's.
      ahead = MegolmDecryptAhead.start({ holds: () => false, decrypt: () => assert.fail('nothing is held here') })!;
      alice = await SimDevice.create('@alice:example.org', 'ALICE');
      session = alice.createOutboundSession(ROOM);
      events = Array.from({ length: 40 }, (_, i) => session.encrypt('m.room.message', { body: `m ${i}` }));
      exported = await exportSessionAt(session.initialSessionKey, 0);
    });
    afterEach(() => {
      ahead.stop();
      alice.free();
    });

    /** Waits until the worker has loaded libolm (jobs it has not started are left to the caller). */
    async function ready(): Promise<void> {
      const probe = events[0]!.content.ciphertext;
      for (let i = 0; i < 200; i++) {
        ahead.post([{ seq: 1, ciphertext: probe }], () => exported);
        if (ahead.take(1, probe) !== undefined) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the worker never became ready');
    }

    it('answers what a local decryption answers, only for the key it was asked with, and forgets keys taken back', async () => {
      await ready();
      const local = InboundMegolmSession.import(olm, exported, 'exported') as InboundMegolmSession;
      try {
        // A key that does not import is no result at all: the caller decrypts.
        ahead.post([{ seq: 9, ciphertext: events[0]!.content.ciphertext }], () => 'not a key');
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(ahead.take(9, events[0]!.content.ciphertext), undefined);

        ahead.post(events.map((e) => ({ seq: 7, ciphertext: e.content.ciphertext })), () => exported);
        // Time for the worker to get ahead: a job it has not started when asked for is the caller's.
        await new Promise((r) => setTimeout(r, 500));
        for (const [i, e] of events.entries()) {
          // Asked with another key than the job's: no answer (the fold picked a different key).
          if (i === 3) {
            assert.equal(ahead.take(8, e.content.ciphertext), undefined);
            continue;
          }
          assert.deepEqual(ahead.take(7, e.content.ciphertext), local.decrypt(e.content.ciphertext));
        }
        // Olm's refusal comes back as the same failure.
        const broken = events[5]!.content.ciphertext.slice(0, -4) + 'AAAA';
        ahead.post([{ seq: 7, ciphertext: broken }], () => exported);
        await new Promise((r) => setTimeout(r, 200));
        const refused = ahead.take(7, broken);
        assert.ok(refused instanceof OlmFailure);
        assert.deepEqual(refused, local.decrypt(broken));

        // Seq 7 taken back (a failed batch), then used again for another key: the worker must
        // decrypt with the new one, not the one it held.
        const other = alice.createOutboundSession(ROOM);
        const otherEvent = other.encrypt('m.room.message', { body: 'other' });
        const otherKey = await exportSessionAt(other.initialSessionKey, 0);
        const otherLocal = InboundMegolmSession.import(olm, otherKey, 'exported') as InboundMegolmSession;
        ahead.forgetAfter(6);
        ahead.post([{ seq: 7, ciphertext: otherEvent.content.ciphertext }], () => otherKey);
        await new Promise((r) => setTimeout(r, 200));
        const got = ahead.take(7, otherEvent.content.ciphertext);
        assert.ok(got !== undefined && !(got instanceof OlmFailure), `the new key of seq 7 was not used (${String((got as OlmFailure | undefined)?.code)})`);
        assert.deepEqual(got, otherLocal.decrypt(otherEvent.content.ciphertext));
        otherLocal.free();
      } finally {
        local.free();
      }
    });

    it('once stopped, answers nothing and the caller decrypts', async () => {
      await ready();
      ahead.stop();
      ahead.post([{ seq: 1, ciphertext: events[1]!.content.ciphertext }], () => 'x');
      assert.equal(ahead.take(1, events[1]!.content.ciphertext), undefined);
      assert.equal(ahead.usable, false);
    });
  });
});
