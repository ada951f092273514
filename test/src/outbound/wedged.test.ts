/**
 * Recovering from undecryptable Olm messages: a new session (claim, session, m.dummy), at
 * most once per device per hour. Real olm keys; the wedged message is a real device's
 * sender key with a ciphertext no session of ours decrypts.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger, type OutgoingRequest } from '../../../src/index.js';
import { SimDevice, keysQueryResponse, type OlmToDeviceEvent } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

const T0 = 1_700_000_000_000;
const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now: () => T0 };
const ALICE = '@alice:example.org';

describe('outbound: wedged Olm sessions are replaced, at most once an hour per device', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let alice: SimDevice;
  let ourCurve: string;
  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, ...me });
    alice = await SimDevice.create(ALICE, 'ALICE');
    await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ userId: ALICE, devices: [alice] }] }) });
    ourCurve = ledger.deviceKeys().keys['curve25519:ME']!;
  });
  afterEach(async () => {
    alice.free();
    await ledger.close();
    dir.cleanup();
  });

  /** A normal Olm message from Alice's real key that no session of ours decrypts. */
  const garbled = (): OlmToDeviceEvent => ({
    type: 'm.room.encrypted',
    sender: ALICE,
    content: { algorithm: 'm.olm.v1.curve25519-aes-sha2', sender_key: alice.curve25519, ciphertext: { [ourCurve]: { type: 1, body: 'AwogAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } } },
  });
  const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);
  const claims = () => ledger.outgoingRequests().filter((r) => r.type === 'keys_claim');

  it('olm_session.wedged: one claim, then a new session and an m.dummy over it that the device decrypts', async () => {
    const r = await ledger.receiveSync({ to_device: { events: [garbled(), garbled()] }, device_one_time_keys_count: { signed_curve25519: 50 } });
    assert.deepEqual(r.toDeviceEvents.map((e) => e.status), ['undecryptable', 'undecryptable']);
    assert.deepEqual(codes(r).filter((c) => c.startsWith('olm_session.')), ['olm_session.wedged']);
    assert.equal(claims().length, 1);
    assert.deepEqual(claims()[0]!.body, { one_time_keys: { [ALICE]: { ALICE: 'signed_curve25519' } } });
    const answered = await ledger.markRequestAsSent(claims()[0]!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } } });
    assert.deepEqual(codes(answered), ['keys_claim.accepted', 'to_device.encrypted']);
    const dummy = ledger.outgoingRequests().find((q) => q.type === 'to_device') as Extract<OutgoingRequest, { type: 'to_device' }>;
    const content = dummy.body.messages[ALICE]!['ALICE'] as OlmToDeviceEvent['content'];
    const decrypted = alice.decryptToDevice({ content });
    assert.equal(decrypted.payload.type, 'm.dummy');
    assert.equal(decrypted.messageType, 0);
  });

  it('olm_session.recovery_rate_limited: another wedged message within the hour makes no new session; after it, one more', async () => {
    await ledger.receiveSync({ to_device: { events: [garbled()] } });
    await ledger.markRequestAsSent(claims()[0]!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } } });
    const soon = await ledger.receiveSync({ to_device: { events: [garbled()] }, received_at: T0 + 59 * 60 * 1000 });
    assert.deepEqual(codes(soon).filter((c) => c.startsWith('olm_session.')), ['olm_session.recovery_rate_limited']);
    assert.equal(claims().length, 0);
    const later = await ledger.receiveSync({ to_device: { events: [garbled()] }, received_at: T0 + 61 * 60 * 1000 });
    assert.deepEqual(codes(later).filter((c) => c.startsWith('olm_session.')), ['olm_session.wedged']);
    assert.equal(claims().length, 1);
  });

  it('a new session whose batch was not written is dropped: later messages use a session the log knows', async () => {
    const first = await ledger.getMissingSessions([ALICE]);
    const made = await ledger.markRequestAsSent(first!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } } });
    const logged = (await ledger.entries({ from: made.seq })).find((e) => e.kind === 'olm_session_created')!.payload as { session_id: string };
    // Two hours on, so the one-per-hour limit allows a new session.
    await ledger.receiveSync({ to_device: { events: [garbled()] }, device_one_time_keys_count: { signed_curve25519: 50 }, received_at: T0 + 2 * 60 * 60 * 1000 });
    const claim = claims()[0]!;
    // The disk refuses the batch that would make the replacement session.
    const store = (ledger as unknown as { store: { write: (ops: unknown[], sync: boolean) => Promise<void> } }).store;
    const write = store.write.bind(store);
    let fail = 1;
    store.write = async (ops, sync) => {
      if (fail-- > 0) throw new Error('simulated I/O error');
      return write(ops, sync);
    };
    await assert.rejects(ledger.markRequestAsSent(claim.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } } }), (e: Error) => e.name === 'LedgerWriteError');
    const sent = await ledger.encryptToDevice(ALICE, 'ALICE', 'org.example.ping', {});
    const fact = (await ledger.entries({ from: sent.decisions[0]!.seq, to: sent.decisions[0]!.seq }))[0]!.payload as { olm_session_id: string };
    assert.equal(fact.olm_session_id, logged.session_id);
    assert.deepEqual(claims().map((c) => c.id), [claim.id], 'the claim is still pending');
  });

  it('a lone to_device input that wedges a session makes the claim too; one that decrypts makes nothing', async () => {
    const r = await ledger.ingest({ kind: 'to_device', event: garbled() });
    assert.deepEqual(codes(r).filter((c) => c.startsWith('olm_session.')), ['olm_session.wedged']);
    assert.equal(claims().length, 1);
    const plain = await ledger.ingest({ kind: 'to_device', event: { type: 'org.example.ping', sender: ALICE, content: {} } });
    assert.equal(plain.seqs.length, 1);
  });

  it('a message from a sender key no /keys/query listed wedges nothing', async () => {
    const stranger = await SimDevice.create('@x:example.org', 'X');
    try {
      const event = garbled();
      (event.content as { sender_key: string }).sender_key = stranger.curve25519;
      const r = await ledger.receiveSync({ to_device: { events: [event] } });
      assert.deepEqual(codes(r).filter((c) => c.startsWith('olm_session.')), []);
      assert.equal(claims().length, 0);
    } finally {
      stranger.free();
    }
  });
});
