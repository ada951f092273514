/**
 * The sync loop's requests: tracked users → one keys_query, a low one-time-key count → one
 * keys_upload with signed keys, responses logged and folded, pending requests kept across
 * a restart. Given these inputs, when this one arrives, then this request and this decision.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../../src/index.js';
import { loadOlm } from '../../../src/crypto/olm.js';
import { OlmCryptoPort } from '../../../src/crypto/port.js';
import { canonicalJson } from '../../../src/canonical.js';
import { SimDevice, SimUser, keysQueryResponse } from '../../../src/testkit/index.js';
import { deviceTrust } from '../../../src/index.js';
import { tempDir } from '../../helpers/tmp.js';

const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now: () => 1_700_000_000_000 };
const ALICE = '@alice:example.org';

describe('outbound: the request queue, tracked users and one-time keys', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, ...me });
  });
  afterEach(async () => {
    await ledger.close();
    dir.cleanup();
  });

  const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);

  it('device_list.tracked + keys_query.requested: tracking a user makes exactly one /keys/query for them', async () => {
    const r = await ledger.updateTrackedUsers([ALICE, ALICE]);
    assert.deepEqual(codes(r), ['device_list.tracked', 'keys_query.requested']);
    const pending = ledger.outgoingRequests();
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.type, 'keys_query');
    assert.equal(pending[0]!.path, '/_matrix/client/v3/keys/query');
    assert.deepEqual(pending[0]!.body, { device_keys: { [ALICE]: [] } });
    // Tracking them again changes nothing and asks nothing more.
    const again = await ledger.updateTrackedUsers([ALICE]);
    assert.deepEqual(codes(again), []);
    assert.deepEqual(ledger.outgoingRequests().map((q) => q.id), [pending[0]!.id]);
  });

  it('a keys_query response is judged exactly as a keys_query envelope, and answers its request', async () => {
    const alice = await SimUser.create(ALICE);
    await alice.addDevice('ALICEPHONE');
    try {
      await ledger.updateTrackedUsers([ALICE]);
      const [request] = ledger.outgoingRequests();
      const response = keysQueryResponse({ users: [{ user: alice }] });
      const r = await ledger.markRequestAsSent(request!.id, 'keys_query', response);
      assert.deepEqual(ledger.outgoingRequests(), []);
      assert.equal(deviceTrust(ledger.state(), ALICE, 'ALICEPHONE').level, 'cross_signed_tofu');
      // The same body as a plain keys_query envelope, in a ledger of its own: the same decisions.
      const other = tempDir();
      const plain = await openLedger({ path: other.path, ...me });
      try {
        const p = await plain.ingest({ kind: 'keys_query', response });
        assert.deepEqual(codes(r), codes(p));
      } finally {
        await plain.close();
        other.cleanup();
      }
    } finally {
      alice.free();
    }
  });

  it('request.unknown_response: a response given twice answers nothing the second time', async () => {
    await ledger.updateTrackedUsers([ALICE]);
    const [request] = ledger.outgoingRequests();
    await ledger.markRequestAsSent(request!.id, 'keys_query', { device_keys: {}, failures: {} });
    const twice = await ledger.markRequestAsSent(request!.id, 'keys_query', { device_keys: {}, failures: {} });
    assert.deepEqual(codes(twice), ['request.unknown_response']);
    assert.deepEqual(ledger.outgoingRequests(), []);
  });

  it('a response that does not decode is logged as rejected and its request stays pending', async () => {
    await ledger.updateTrackedUsers([ALICE]);
    const [request] = ledger.outgoingRequests();
    await assert.rejects(ledger.markRequestAsSent(request!.id, 'keys_query', { device_keys: 5 }), (e: Error & { code?: string }) => e.name === 'InputDecodeError');
    await assert.rejects(ledger.markRequestAsSent(request!.id, 'no_such_type', {}), (e: Error) => e.name === 'InputDecodeError');
    assert.deepEqual(ledger.outgoingRequests().map((q) => q.id), [request!.id]);
  });

  it('device_list.changed: a tracked user in device_lists.changed leads to exactly one /keys/query; untracked users to none', async () => {
    await ledger.updateTrackedUsers([ALICE]);
    const [first] = ledger.outgoingRequests();
    await ledger.markRequestAsSent(first!.id, 'keys_query', { device_keys: {}, failures: {} });
    const r = await ledger.receiveSync({ device_lists: { changed: [ALICE, '@stranger:example.org'] }, device_one_time_keys_count: { signed_curve25519: 50 } });
    assert.deepEqual(codes(r), ['device_list.changed', 'keys_query.requested']);
    const pending = ledger.outgoingRequests();
    assert.equal(pending.length, 1);
    assert.deepEqual(pending[0]!.body, { device_keys: { [ALICE]: [] } });
  });

  it('device_list.changed_in_flight: a change while a query is in flight waits for its answer, then queries again once', async () => {
    await ledger.updateTrackedUsers([ALICE]);
    const [first] = ledger.outgoingRequests();
    const r = await ledger.receiveSync({ device_lists: { changed: [ALICE] }, device_one_time_keys_count: { signed_curve25519: 50 } });
    assert.deepEqual(codes(r), ['device_list.changed_in_flight']);
    assert.equal(ledger.outgoingRequests().length, 1);
    const answered = await ledger.markRequestAsSent(first!.id, 'keys_query', { device_keys: {}, failures: {} });
    assert.deepEqual(codes(answered), ['keys_query.requested']);
    const pending = ledger.outgoingRequests();
    assert.equal(pending.length, 1);
    assert.notEqual(pending[0]!.id, first!.id);
  });

  it('device_list.left: a user in device_lists.left is no longer tracked, so a later change asks nothing', async () => {
    await ledger.updateTrackedUsers([ALICE]);
    const [first] = ledger.outgoingRequests();
    await ledger.markRequestAsSent(first!.id, 'keys_query', { device_keys: {}, failures: {} });
    const left = await ledger.receiveSync({ device_lists: { left: [ALICE] }, device_one_time_keys_count: { signed_curve25519: 50 } });
    assert.deepEqual(codes(left), ['device_list.left']);
    const changed = await ledger.receiveSync({ device_lists: { changed: [ALICE] }, device_one_time_keys_count: { signed_curve25519: 50 } });
    assert.deepEqual(codes(changed), []);
    assert.deepEqual(ledger.outgoingRequests(), []);
  });

  it('one_time_keys.replenish + fallback_key.replace: a low count leads to exactly one /keys/upload of signed keys', async () => {
    const r = await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 3 }, device_unused_fallback_key_types: [] });
    assert.deepEqual(codes(r), ['one_time_keys.replenish', 'fallback_key.replace']);
    const [upload] = ledger.outgoingRequests();
    assert.equal(upload!.type, 'keys_upload');
    if (upload!.type !== 'keys_upload') return;
    const otks = Object.entries(upload.body.one_time_keys);
    assert.equal(otks.length, 50 - 3);
    assert.equal(Object.keys(upload.body.fallback_keys ?? {}).length, 1);
    assert.deepEqual((upload.body.device_keys as { device_id: string }).device_id, 'ME');
    // Every key is signed by our device's ed25519 key (checked with olm, not trusted).
    const port = new OlmCryptoPort(await loadOlm());
    const ed25519 = ledger.owner.ed25519;
    for (const [id, signed] of [...otks, ...Object.entries(upload.body.fallback_keys ?? {})]) {
      assert.match(id, /^signed_curve25519:/);
      const { signatures, ...unsigned } = signed;
      assert.equal(port.verifyEd25519(ed25519, canonicalJson(unsigned), signatures[me.userId]!['ed25519:ME']!), true);
    }
    port.free();
    // The next sync still shows a low count (the upload is not sent yet): nothing more.
    const again = await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 3 }, device_unused_fallback_key_types: [] });
    assert.deepEqual(codes(again), []);
    assert.equal(ledger.outgoingRequests().length, 1);
    // Answered: the server's count is enough, the fallback key in use, nothing more asked.
    await ledger.markRequestAsSent(upload.id, 'keys_upload', { one_time_key_counts: { signed_curve25519: 50 } });
    const after = await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 50 }, device_unused_fallback_key_types: ['signed_curve25519'] });
    assert.deepEqual(codes(after), []);
    assert.deepEqual(ledger.outgoingRequests(), []);
  });

  it('a new device\'s first sync uploads its keys; a later sync without device_one_time_keys_count tells nothing and asks nothing', async () => {
    const first = await ledger.receiveSync({ device_lists: {} });
    assert.deepEqual(codes(first), ['one_time_keys.replenish']);
    const [upload] = ledger.outgoingRequests();
    assert.ok(upload?.type === 'keys_upload' && upload.body.device_keys !== undefined);
    await ledger.markRequestAsSent(upload.id, 'keys_upload', { one_time_key_counts: { signed_curve25519: 50 } });
    const later = await ledger.receiveSync({ to_device: { events: [] } });
    assert.deepEqual(codes(later), []);
    assert.deepEqual(ledger.outgoingRequests(), []);
    // A map without signed_curve25519 is a count of zero (servers may omit zeros).
    const zero = await ledger.receiveSync({ device_one_time_keys_count: {} });
    assert.deepEqual(codes(zero), ['one_time_keys.replenish']);
  });

  it('a count at half the maximum asks nothing; a used fallback key alone is replaced, without new one-time keys', async () => {
    const enough = await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 50 }, device_unused_fallback_key_types: ['signed_curve25519'] });
    assert.deepEqual(codes(enough), []);
    const used = await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 50 }, device_unused_fallback_key_types: [] });
    assert.deepEqual(codes(used), ['fallback_key.replace']);
    const [upload] = ledger.outgoingRequests();
    assert.equal(upload?.type === 'keys_upload' && Object.keys(upload.body.one_time_keys).length, 0);
  });

  it('pending requests survive a restart with the same id, and replay gives the same state hash', async () => {
    await ledger.updateTrackedUsers([ALICE]);
    await ledger.receiveSync({ device_one_time_keys_count: {}, device_unused_fallback_key_types: [] });
    const before = ledger.outgoingRequests();
    assert.deepEqual(before.map((q) => q.type), ['keys_query', 'keys_upload']);
    const hash = ledger.stateHash();
    await ledger.close();
    ledger = await openLedger({ path: dir.path, now: me.now });
    assert.deepEqual(ledger.outgoingRequests(), before);
    assert.equal(ledger.stateHash(), hash);
    const replayed = await ledger.replay();
    assert.equal(ledger.stateHash(replayed.state), hash);
    // Reopening made nothing new: the same sync again asks nothing more.
    const again = await ledger.receiveSync({ device_one_time_keys_count: {}, device_unused_fallback_key_types: [] });
    assert.deepEqual(codes(again), []);
    assert.deepEqual(ledger.outgoingRequests(), before);
  });

  it('outgoing$ emits each request once it is written', async () => {
    const seen: string[] = [];
    const sub = ledger.outgoing$.subscribe((q) => seen.push(`${q.type} ${q.id}`));
    await ledger.updateTrackedUsers([ALICE]);
    sub.unsubscribe();
    assert.deepEqual(seen, ledger.outgoingRequests().map((q) => `${q.type} ${q.id}`));
  });
});

describe('outbound: receiveSync hands back each to-device event as processed', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let alice: SimDevice;
  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, ...me });
    alice = await SimDevice.create(ALICE, 'ALICE');
  });
  afterEach(async () => {
    alice.free();
    await ledger.close();
    dir.cleanup();
  });

  it('one atomic input: decrypted custom events, consumed room keys (no content), refused and invalid events', async () => {
    // Our one-time key, as a server would hand it out from our own upload.
    await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 0 } });
    const [upload] = ledger.outgoingRequests();
    const [otk] = upload?.type === 'keys_upload' ? Object.values(upload.body.one_time_keys) : [];
    const own = ledger.deviceKeys();
    const recipient = { userId: me.userId, deviceId: me.deviceId, curve25519: own.keys['curve25519:ME']!, ed25519: own.keys['ed25519:ME']!, oneTimeKey: otk!.key };
    const custom = alice.encryptToDevice(recipient, 'org.example.custom', { hello: 'world' });
    const session = alice.createOutboundSession('!room:example.org');
    const roomKey = alice.encryptToDevice(recipient, 'm.room_key', session.roomKeyContent());
    const plainKey = { type: 'm.room_key', sender: ALICE, content: session.roomKeyContent() };
    const head = ledger.headSeq();
    const r = await ledger.receiveSync({
      to_device: { events: [custom, roomKey, plainKey, { type: 5 }, { type: 'org.example.ping', sender: ALICE, content: { n: 1 } }] },
      device_one_time_keys_count: { signed_curve25519: 50 },
    });
    const got = r.toDeviceEvents.map((e) => e.status);
    assert.deepEqual(got, ['decrypted', 'consumed', 'refused', 'invalid', 'plaintext']);
    const [dec, key, refused] = r.toDeviceEvents;
    assert.equal(dec!.status === 'decrypted' && dec.type, 'org.example.custom');
    assert.deepEqual(dec!.status === 'decrypted' && dec.content, { hello: 'world' });
    assert.equal(dec!.status === 'decrypted' && dec.senderKey, alice.curve25519);
    assert.equal(dec!.status === 'decrypted' && dec.senderDevice?.deviceId, 'ALICE');
    assert.equal('content' in key!, false);
    assert.equal(JSON.stringify(r.toDeviceEvents).includes(session.roomKeyContent().session_key as string), false);
    assert.ok(refused!.status === 'refused' && refused.decisions.some((d) => d.outcome === 'rejected'));
    // One input: the sync entry first, its events after it, all in this result.
    const entries = await ledger.entries({ from: head + 1 });
    assert.equal(entries[0]!.kind, 'sync');
    assert.equal((entries[0]!.payload as { to_device_events: number }).to_device_events, 5);
    assert.deepEqual(r.seqs, entries.map((e) => e.seq));
  });
});
