/**
 * /keys/claim for missing sessions: each claimed key is checked against the device's
 * Ed25519 key from /keys/query before an outbound Olm session is made (real olm keys).
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger, type LedgerEntry } from '../../../src/index.js';
import { SimDevice, keysQueryResponse } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now: () => 1_700_000_000_000 };
const ALICE = '@alice:example.org';

describe('outbound: /keys/claim and outbound Olm sessions', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let alice: SimDevice;
  let mallory: SimDevice;
  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, ...me });
    alice = await SimDevice.create(ALICE, 'ALICE');
    mallory = await SimDevice.create(ALICE, 'ALICE');
    await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ userId: ALICE, devices: [alice] }] }) });
  });
  afterEach(async () => {
    alice.free();
    mallory.free();
    await ledger.close();
    dir.cleanup();
  });

  const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);
  const created = async (r: { seqs: number[] }) =>
    (await ledger.entries({ from: r.seqs[0], to: r.seqs[r.seqs.length - 1] })).filter((e: LedgerEntry) => e.kind === 'olm_session_created');

  it('keys_claim.accepted: a key signed by the listed device makes one session; the device is then not missing', async () => {
    const request = await ledger.getMissingSessions([ALICE]);
    assert.equal(request?.type, 'keys_claim');
    assert.deepEqual(request!.body, { one_time_keys: { [ALICE]: { ALICE: 'signed_curve25519' } } });
    assert.deepEqual(ledger.outgoingRequests().map((r) => r.id), [request!.id]);
    // Asked again while the claim is pending: nothing new.
    assert.equal(await ledger.getMissingSessions([ALICE]), null);
    const r = await ledger.markRequestAsSent(request!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } }, failures: {} });
    assert.deepEqual(codes(r), ['keys_claim.accepted']);
    const facts = await created(r);
    assert.equal(facts.length, 1);
    assert.equal((facts[0]!.payload as { curve25519: string }).curve25519, alice.curve25519);
    assert.equal(await ledger.getMissingSessions([ALICE]), null);
    assert.deepEqual(ledger.outgoingRequests(), []);
  });

  it('keys_claim.bad_signature: a key signed by another key gets no session, and the device stays missing', async () => {
    const request = await ledger.getMissingSessions([ALICE]);
    const r = await ledger.markRequestAsSent(request!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: mallory.oneTimeKeys(1) } } });
    assert.deepEqual(codes(r), ['keys_claim.bad_signature']);
    assert.equal((await created(r)).length, 0);
    const unsigned = await ledger.getMissingSessions([ALICE]);
    const [[keyId, key]] = Object.entries(alice.oneTimeKeys(1));
    const r2 = await ledger.markRequestAsSent(unsigned!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: { [keyId!]: { key: key!.key, signatures: {} } } } } });
    assert.deepEqual(codes(r2), ['keys_claim.bad_signature']);
    assert.notEqual(await ledger.getMissingSessions([ALICE]), null);
  });

  it('keys_claim.unknown_device: a key for a device /keys/query never listed gets no session', async () => {
    const request = await ledger.getMissingSessions([ALICE]);
    const r = await ledger.markRequestAsSent(request!.id, 'keys_claim', { one_time_keys: { [ALICE]: { GHOST: mallory.oneTimeKeys(1) } } });
    assert.deepEqual(codes(r), ['keys_claim.unknown_device']);
    assert.equal((await created(r)).length, 0);
  });

  it('keys_claim.device_blocked: a device whose keys changed meanwhile gets no session, and is never claimed again', async () => {
    const request = await ledger.getMissingSessions([ALICE]);
    await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ userId: ALICE, devices: [mallory] }] }) });
    const r = await ledger.markRequestAsSent(request!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } } });
    assert.deepEqual(codes(r), ['keys_claim.device_blocked']);
    assert.equal((await created(r)).length, 0);
    assert.equal(await ledger.getMissingSessions([ALICE]), null);
  });

  it('to_device.device_blocked: nothing is encrypted for a device whose keys changed after its session was made', async () => {
    const request = await ledger.getMissingSessions([ALICE]);
    await ledger.markRequestAsSent(request!.id, 'keys_claim', { one_time_keys: { [ALICE]: { ALICE: alice.oneTimeKeys(1) } } });
    const before = await ledger.encryptToDevice(ALICE, 'ALICE', 'org.example.ping', {});
    assert.deepEqual(codes(before), ['to_device.encrypted']);
    await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ userId: ALICE, devices: [mallory] }] }) });
    const after = await ledger.encryptToDevice(ALICE, 'ALICE', 'org.example.ping', {});
    assert.deepEqual([after.request, codes(after)], [null, ['to_device.device_blocked']]);
  });

  it('a device that sent us an Olm message already has a session: not missing', async () => {
    const bob = await SimDevice.create('@bob:example.org', 'BOB');
    try {
      await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ userId: '@bob:example.org', devices: [bob] }] }) });
      await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 0 } });
      const upload = ledger.outgoingRequests().find((q) => q.type === 'keys_upload');
      const [otk] = upload?.type === 'keys_upload' ? Object.values(upload.body.one_time_keys) : [];
      const own = ledger.deviceKeys();
      const event = bob.encryptToDevice({ userId: me.userId, deviceId: 'ME', curve25519: own.keys['curve25519:ME']!, ed25519: own.keys['ed25519:ME']!, oneTimeKey: otk!.key }, 'org.example.hi', {});
      await ledger.receiveSync({ to_device: { events: [event] }, device_one_time_keys_count: { signed_curve25519: 50 } });
      const request = await ledger.getMissingSessions(['@bob:example.org', ALICE]);
      assert.deepEqual(request?.body, { one_time_keys: { [ALICE]: { ALICE: 'signed_curve25519' } } });
    } finally {
      bob.free();
    }
  });
});
