/**
 * The input edge: everything received is attacker-controlled. Deep nesting, duplicate
 * keys, huge numbers, bytes that are not UTF-8, oversized inputs and hostile caller
 * values are refused with their own codes, logged, and never wedge the writer.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { InputDecodeError, LedgerWriteError, OversizedInput, openLedger, redactSecrets, type Ledger, type LedgerEntry } from '../../../src/index.js';
import type { RejectedInputPayload } from '../../../events/entry.js';
import type { OlmDecryptedPayload } from '../../../events/facts.js';
import { SimDevice } from '../../../src/testkit/index.js';
import { ledgerRecipient, olmPayloadText } from '../../helpers/peers.js';
import { tempDir } from '../../helpers/tmp.js';

const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true };
const NOW = 1_700_000_000_000;

async function entriesOf(ledger: Ledger, from = 0): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of ledger.entries({ from })) out.push(e);
  return out;
}

/** Ingests `input` expecting a rejection; returns the error and the logged payload. */
async function rejection(ledger: Ledger, input: unknown): Promise<{ error: InputDecodeError; payload: RejectedInputPayload; entry: LedgerEntry }> {
  const error = await ledger.ingestUnknown(input).then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof InputDecodeError, `threw ${String(error)}`);
  const [entry] = await entriesOf(ledger, error.seq);
  assert.equal(entry!.kind, 'rejected_input');
  return { error, payload: entry!.payload as RejectedInputPayload, entry: entry! };
}

async function decisionCodes(ledger: Ledger, seq: number): Promise<string[]> {
  return (await ledger.decisions()).filter((d) => d.seq === seq).map((d) => d.code);
}

const dummy = (n: number) => ({ kind: 'to_device', received_at: NOW + n, event: { type: 'm.dummy', sender: '@bob:example.org', content: { n } } });

describe('ingestion: hostile input at the edge', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let alice: SimDevice;
  beforeEach(async () => {
    dir = tempDir();
    alice = await SimDevice.create('@alice:example.org', 'ALICE');
  });
  afterEach(() => {
    alice.free();
    dir.cleanup();
  });

  it('olm.payload_too_deep: an Olm payload nested 2,000 deep is refused and logged, and 1,000 ordinary inputs after it are acknowledged', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, storeKey: 'k', now: () => NOW });
    const to = await ledgerRecipient(ledger);
    const deep = `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`;
    const event = alice.encryptToDevice(to, 'm.dummy', {}, { rawPlaintext: olmPayloadText(alice, to, { content: deep }) });
    const r = await ledger.ingestUnknown({ kind: 'to_device', event });
    assert.equal(r.seqs.length, 2, 'the input and its fact are logged');
    const [, fact] = await entriesOf(ledger, r.seq);
    assert.equal(fact!.kind, 'olm_decrypted');
    const p = fact!.payload as OlmDecryptedPayload;
    assert.equal(p.plaintext, null);
    assert.equal(p.plaintext_error?.reason, 'too_deep');
    assert.match(p.sealed_plaintext!, /^gcm:/, 'what was decrypted is kept, sealed');
    assert.deepEqual(await decisionCodes(ledger, fact!.seq), ['olm.payload_too_deep']);

    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => ledger.ingestUnknown(dummy(i))));
    assert.equal(results.length, 1000);
    assert.equal(ledger.headSeq(), r.seqs[1]! + 1000);
    const report = await ledger.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    await ledger.close();
  });

  it('input.too_deep: an envelope nested 100,000 deep is refused with its path, and the ledger goes on', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const text = `{"kind":"to_device","received_at":5,"event":{"type":"m.dummy","sender":"@b:x","content":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
    const { error, payload, entry } = await rejection(ledger, text);
    assert.equal(error.reason, 'input.too_deep');
    assert.equal(payload.code, 'input.too_deep');
    assert.match(error.path, /^event\.content\.a\.0\.0/);
    assert.ok(error.path.length < 260, 'the path is cut');
    assert.equal(entry.receivedAt, 5, 'stamped with the envelope time');
    assert.deepEqual(await decisionCodes(ledger, error.seq), ['input.too_deep']);
    // What leaves the engine is redacted without walking the deep raw text.
    assert.equal((redactSecrets(entry).payload as RejectedInputPayload).raw, payload.raw);
    await ledger.ingestUnknown(dummy(1));
    assert.equal((await ledger.verify()).ok, true);
    await ledger.close();
  });

  it('input.unserialisable: a throwing getter or a Proxy is rejected on its own; concurrent callers are unaffected and the writer goes on', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const getter = { kind: 'to_device', get event(): unknown { throw new Error('boom from a getter'); } };
    const proxy = new Proxy({}, { get() { throw new Error('boom from a proxy'); }, ownKeys() { throw new Error('no keys either'); } });
    const settled = await Promise.allSettled([ledger.ingestUnknown(dummy(1)), ledger.ingestUnknown(getter), ledger.ingestUnknown(proxy), ledger.ingestUnknown(dummy(2))]);
    assert.equal(settled[0]!.status, 'fulfilled');
    assert.equal(settled[3]!.status, 'fulfilled');
    for (const s of [settled[1]!, settled[2]!]) {
      assert.equal(s.status, 'rejected');
      const err = (s as PromiseRejectedResult).reason as unknown;
      assert.ok(err instanceof InputDecodeError, String(err));
      assert.equal(err.reason, 'input.unserialisable');
      assert.deepEqual(await decisionCodes(ledger, err.seq), ['input.unserialisable']);
    }
    const [g] = await entriesOf(ledger, ((settled[1] as PromiseRejectedResult).reason as InputDecodeError).seq);
    assert.match((g!.payload as RejectedInputPayload).raw, /keys kind, event/, 'what could be captured of it');
    assert.match((g!.payload as RejectedInputPayload).message, /boom from a getter/);
    await ledger.ingestUnknown(dummy(3));
    assert.equal((await ledger.verify()).ok, true);
    await ledger.close();
  });

  it('input.rejected: what is logged is what is validated (a toJSON cannot turn a valid envelope into an invalid one)', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const sneaky = { kind: 'keys_query', response: { device_keys: {} }, toJSON: () => ({ kind: 'keys_query', response: 5 }) };
    const { error, payload } = await rejection(ledger, sneaky);
    assert.equal(error.reason, 'input.rejected');
    assert.equal(error.path, 'response');
    assert.equal(payload.raw, '{"kind":"keys_query","response":5}');
    await ledger.close();
  });

  it('logs a caller\'s object as it was when ingest was called, whatever the caller changes while it waits', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const envelope = dummy(1);
    const pending = ledger.ingestUnknown(envelope);
    envelope.event.content.n = 99;
    const r = await pending;
    const [entry] = await entriesOf(ledger, r.seq);
    assert.deepEqual((entry!.payload as { event: { content: unknown } }).event.content, { n: 1 });
    await ledger.close();
  });

  it('input.duplicate_key: an input with a key twice is refused, raw text kept and its secret sealed', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, storeKey: 'k', now: () => NOW });
    const marker = 'MARKERSECRET0123456789';
    const text = `{"kind":"to_device","received_at":7,"event":{"type":"m.room_key","sender":"@b:x","content":{"algorithm":"m.megolm.v1.aes-sha2","room_id":"!r:x","session_id":"s","session_key":"${marker}","session_key":"other"}}}`;
    const { error, payload, entry } = await rejection(ledger, text);
    assert.equal(error.reason, 'input.duplicate_key');
    assert.equal(error.path, 'event.content.session_key');
    assert.equal(entry.receivedAt, 7);
    assert.ok(!JSON.stringify(payload).includes(marker), 'the secret is not in the clear');
    assert.match(payload.raw_sealed!, /^gcm:/);
    assert.deepEqual(await decisionCodes(ledger, error.seq), ['input.duplicate_key']);
    // Without duplicates, the same envelope is accepted.
    await ledger.ingestUnknown('{"kind":"to_device","event":{"type":"m.dummy","sender":"@b:x","content":{"a":{"k":1},"b":{"k":2}}}}');
    await ledger.close();
  });

  it('input.integer_out_of_range: 9007199254740993 in a message body is refused, raw text kept exactly', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const text = '{"kind":"to_device","received_at":9,"event":{"type":"m.dummy","sender":"@b:x","content":{"body":9007199254740993}}}';
    const { error, payload } = await rejection(ledger, text);
    assert.equal(error.reason, 'input.integer_out_of_range');
    assert.equal(error.path, 'event.content.body');
    assert.equal(payload.raw, text);
    assert.deepEqual(await decisionCodes(ledger, error.seq), ['input.integer_out_of_range']);
    await ledger.ingestUnknown('{"kind":"to_device","event":{"type":"m.dummy","sender":"@b:x","content":{"body":9007199254740991}}}');
    await ledger.close();
  });

  it('a rejected input with a valid received_at is stamped with it, not the clock', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const { entry } = await rejection(ledger, { kind: 'keys_query', received_at: 1234, response: 5 });
    assert.equal(entry.receivedAt, 1234);
    const { entry: bad } = await rejection(ledger, { kind: 'keys_query', received_at: -3, response: 5 });
    assert.equal(bad.receivedAt, NOW, 'an invalid received_at is not used');
    await ledger.close();
  });

  it('input.invalid_utf8: bytes that are not UTF-8 are kept byte-exact (base64); valid bytes are ingested', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const bytes = Buffer.concat([Buffer.from('{"kind":"to_device","event":{"type":"m.dummy","sender":"@b:x","content":{"a":"'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}}}')]);
    const { error, payload } = await rejection(ledger, bytes);
    assert.equal(error.reason, 'input.invalid_utf8');
    assert.equal(payload.raw_base64, bytes.toString('base64'));
    assert.deepEqual(Buffer.from(payload.raw_base64!, 'base64'), bytes);
    const ok = await ledger.ingestUnknown(new TextEncoder().encode(JSON.stringify(dummy(1))));
    assert.equal(ok.kind, 'to_device');
    await ledger.close();
  });

  it('input.too_large: an input over the limit is logged with its length, SHA-256 and first characters only', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW, maxInputBytes: 10_000 });
    const big = JSON.stringify({ kind: 'to_device', event: { type: 'm.dummy', sender: '@b:x', content: { pad: 'é'.repeat(20_000) } } });
    const { error, payload } = await rejection(ledger, big);
    assert.equal(error.reason, 'input.too_large');
    assert.equal(payload.length, Buffer.byteLength(big));
    assert.equal(payload.sha256, createHash('sha256').update(big).digest('hex'));
    assert.equal(payload.raw, big.slice(0, 256));
    // The CLI's description of a line it did not hold.
    const head = new TextEncoder().encode('{"kind":"to_device"');
    const { payload: described } = await rejection(ledger, new OversizedInput(600_000_000, 'ab'.repeat(32), head));
    assert.equal(described.code, 'input.too_large');
    assert.equal(described.length, 600_000_000);
    assert.equal(described.raw, '{"kind":"to_device"');
    await ledger.close();
  });

  it('decoder messages quote at most 200 characters of a received value', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const huge = 'x'.repeat(1_000_000);
    const { error, entry } = await rejection(ledger, { kind: huge });
    assert.ok(error.detail.length < 400, `message of ${error.detail.length} characters`);
    const { error: keyError } = await rejection(ledger, { kind: 'to_device', event: { type: 'm.room_key', sender: '@b:x', content: { [huge]: 1 } } });
    assert.ok(keyError.path.length + keyError.detail.length < 800);
    const stored = JSON.stringify(entry.payload).length;
    assert.ok(stored < 1_100_000, `the value is stored once (payload of ${stored} characters)`);
    await ledger.close();
  });

  it('olm.payload_duplicate_key and olm.payload_integer_out_of_range: the Olm plaintext is refused, kept sealed, the ledger goes on', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, storeKey: 'k', now: () => NOW });
    const to = await ledgerRecipient(ledger);
    const cases: [string, string, string][] = [
      [olmPayloadText(alice, to, { extra: ['"type":"m.room_key"'] }), 'olm.payload_duplicate_key', 'plaintext.type'],
      [olmPayloadText(alice, to, { content: '{"n":-9007199254740993}' }), 'olm.payload_integer_out_of_range', 'plaintext.content.n'],
    ];
    for (const [text, code, path] of cases) {
      const r = await ledger.ingestUnknown({ kind: 'to_device', event: alice.encryptToDevice(to, 'm.dummy', {}, { rawPlaintext: text }) });
      const [, fact] = await entriesOf(ledger, r.seq);
      const p = fact!.payload as OlmDecryptedPayload;
      assert.equal(p.plaintext, null);
      assert.equal(p.plaintext_error?.path, path);
      assert.match(p.sealed_plaintext!, /^gcm:/);
      assert.deepEqual(await decisionCodes(ledger, fact!.seq), [code]);
    }
    assert.equal((await ledger.verify()).ok, true);
    await ledger.close();
  });

  it('an own "__proto__" key in an Olm payload is judged the same live and on replay', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    const to = await ledgerRecipient(ledger);
    const mallory = await SimDevice.create('@mallory:example.org', 'MAL');
    const text = olmPayloadText(alice, to, { extra: [`"__proto__":{"sender_device_keys":${JSON.stringify(mallory.deviceKeys())}}`] });
    mallory.free();
    const r = await ledger.ingestUnknown({ kind: 'to_device', event: alice.encryptToDevice(to, 'm.dummy', {}, { rawPlaintext: text }) });
    const live = r.decisions.map((d) => d.code);
    const replayed: string[] = [];
    const { state } = await ledger.replay({ onDecision: (d) => d.seq >= r.seq && replayed.push(d.code) });
    assert.deepEqual(replayed, live);
    assert.equal(ledger.stateHash(state), ledger.stateHash());
    const report = await ledger.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    const [, fact] = await entriesOf(ledger, r.seq);
    assert.ok(Object.prototype.hasOwnProperty.call((fact!.payload as OlmDecryptedPayload).plaintext, '__proto__'), 'the key is logged as received');
    await ledger.close();
  });

  it('engine.ingest_failed: when ingestion itself fails on one input, only that input is rejected; the batch and the writer go on', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    // The ingestor the ledger's writer calls (a private part of the facade).
    const ingestor = (ledger as unknown as { parts: { ingestor: { derive: (...args: unknown[]) => unknown } } }).parts.ingestor;
    const derive = ingestor.derive.bind(ingestor);
    ingestor.derive = (envelope: unknown, ...rest: unknown[]) => {
      const e = envelope as { event?: { content?: { n?: number } } };
      if (e.event?.content?.n === 2) throw new RangeError('Maximum call stack size exceeded');
      return derive(envelope, ...rest);
    };
    const outcomes = await ledger.ingestManyUnknown([dummy(1), dummy(2), dummy(3)]);
    assert.deepEqual(outcomes.map((o) => o.ok), [true, false, true]);
    const failed = outcomes[1]!;
    assert.ok(!failed.ok && failed.error.reason === 'engine.ingest_failed');
    assert.deepEqual(await decisionCodes(ledger, failed.error.seq), ['engine.ingest_failed']);
    assert.deepEqual(outcomes.map((o) => (o.ok ? o.seq : o.error.seq)), [1, 2, 3], 'no gap, nothing half-logged');
    await ledger.ingestUnknown(dummy(4));
    assert.equal((await ledger.verify()).ok, true);
    await ledger.close();
  });

  it('a batch whose write fails answers its callers with the error, and the next batch is written', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    await ledger.ingestUnknown(dummy(0));
    const store = (ledger as unknown as { store: { write: (ops: unknown[], sync: boolean) => Promise<void> } }).store;
    const write = store.write.bind(store);
    let fail = 1;
    store.write = async (ops, sync) => {
      if (fail-- > 0) throw new Error('simulated I/O error');
      return write(ops, sync);
    };
    await assert.rejects(ledger.ingestUnknown(dummy(1)), (err: unknown) => err instanceof LedgerWriteError);
    const head = ledger.headSeq();
    const r = await ledger.ingestUnknown(dummy(2));
    assert.equal(r.seq, head + 1, 'the failed batch left no gap');
    assert.equal((await ledger.verify()).ok, true);
    await ledger.close();
  });

  it('a store that fails batch after batch is broken: the ledger closes itself and every later call says why', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, now: () => NOW });
    await ledger.ingestUnknown(dummy(0));
    const store = (ledger as unknown as { store: { write: (ops: unknown[], sync: boolean) => Promise<void> } }).store;
    store.write = async () => {
      throw new Error('simulated dead disk');
    };
    for (let i = 1; i <= 3; i++) await assert.rejects(ledger.ingestUnknown(dummy(i)), LedgerWriteError);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(ledger.ingestUnknown(dummy(9)), (err: unknown) => err instanceof LedgerWriteError && /broken.*closed itself/.test(err.message));
    assert.throws(() => ledger.state(), /closed itself/);
    await ledger.close();
    const reopened = await openLedger({ path: dir.path });
    assert.equal(reopened.headSeq(), 1, 'what was written is there');
    assert.equal((await reopened.verify()).ok, true);
    await reopened.close();
  });
});
