/**
 * keyledger and a Rust OlmMachine exchange Olm to-device messages both ways, with the
 * test playing the homeserver (upload, query, claim, to-device): keyledger claims the
 * Rust device's one-time key (checked against its /keys/query Ed25519 key), opens an
 * outbound session, and a custom event arrives decrypted on each side with its sender's
 * device. Two keyledger ledgers do the same with each other.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger, type OutgoingRequest } from '../../src/index.js';
import type { OlmToDeviceEvent, SignedCurve25519Key } from '../../src/testkit/index.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice, rustDeviceIdentity, rustKeysQueryResponse, rustKeysUpload } from './rust.js';
import { rustReceiveKeysClaim, rustReceiveKeysQuery, rustReceiveToDevice } from './rust-share.js';

const ME = '@me:example.org';
const RUST = '@rust:example.org';

/** The body of a request of one type, narrowed. */
type BodyOf<T> = T extends OutgoingRequest['type'] ? Extract<OutgoingRequest, { type: T }>['body'] : never;
function bodyOf<T extends OutgoingRequest['type']>(r: OutgoingRequest | null | undefined, type: T): BodyOf<T> {
  assert.equal(r?.type, type);
  return (r as { body: unknown }).body as BodyOf<T>;
}

/** The to-device event a recipient's /sync would deliver for a to_device request. */
function delivered(request: OutgoingRequest | null, sender: string, userId: string, deviceId: string): OlmToDeviceEvent {
  const body = bodyOf(request, 'to_device');
  return { type: 'm.room.encrypted', sender, content: body.messages[userId]![deviceId] as OlmToDeviceEvent['content'] };
}

/** A ledger's device keys and one of its one-time keys, as /keys/query and /keys/claim would serve them. */
async function publish(ledger: Ledger) {
  await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 0 }, device_unused_fallback_key_types: [] });
  const upload = ledger.outgoingRequests().find((r) => r.type === 'keys_upload');
  const body = bodyOf(upload, 'keys_upload');
  await ledger.markRequestAsSent(upload!.id, 'keys_upload', { one_time_key_counts: { signed_curve25519: Object.keys(body.one_time_keys).length } });
  const [keyId, key] = Object.entries(body.one_time_keys)[0]!;
  return { deviceKeys: ledger.deviceKeys(), claimed: { [keyId]: key } };
}

describe('interop: Olm to-device out, keyledger ↔ Rust OlmMachine and keyledger ↔ keyledger', function () {
  this.timeout(60_000);
  let dirs: ReturnType<typeof tempDir>[] = [];
  const ledgers: Ledger[] = [];
  async function newLedger(userId: string, deviceId: string): Promise<Ledger> {
    const dir = tempDir();
    dirs.push(dir);
    const ledger = await openLedger({ path: dir.path, userId, deviceId, unencryptedVault: true });
    ledgers.push(ledger);
    return ledger;
  }
  afterEach(async () => {
    for (const l of ledgers.splice(0)) await l.close();
    for (const d of dirs) d.cleanup();
    dirs = [];
  });

  it('a custom event each way arrives decrypted, with the sender device, over the session keyledger opened', async () => {
    const ledger = await newLedger(ME, 'MEDEV');
    const machine = await createRustDevice(RUST, 'RUSTDEV');
    try {
      // Homeserver: the Rust device uploads its keys; keyledger queries and claims them.
      const rustUpload = await rustKeysUpload(machine);
      await ledger.updateTrackedUsers([RUST]);
      const query = ledger.outgoingRequests().find((r) => r.type === 'keys_query');
      await ledger.markRequestAsSent(query!.id, 'keys_query', rustKeysQueryResponse([rustDeviceIdentity(machine)]));
      const claim = await ledger.getMissingSessions([RUST]);
      assert.deepEqual(bodyOf(claim, 'keys_claim'), { one_time_keys: { [RUST]: { RUSTDEV: 'signed_curve25519' } } });
      const [keyId, key] = Object.entries(rustUpload!.one_time_keys!)[0]!;
      const claimed = await ledger.markRequestAsSent(claim!.id, 'keys_claim', { one_time_keys: { [RUST]: { RUSTDEV: { [keyId]: key } } }, failures: {} });
      assert.deepEqual(claimed.decisions.map((d) => d.code), ['keys_claim.accepted']);

      // keyledger → Rust.
      const sent = await ledger.encryptToDevice(RUST, 'RUSTDEV', 'org.example.custom', { hello: 'rust' });
      assert.deepEqual(sent.decisions.map((d) => d.code), ['to_device.encrypted']);
      assert.match(sent.request!.path, /^\/_matrix\/client\/v3\/sendToDevice\/m\.room\.encrypted\/.+/);
      const mine = await publish(ledger);
      await rustReceiveKeysQuery(machine, { device_keys: { [ME]: { MEDEV: mine.deviceKeys } }, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} });
      const processed = await rustReceiveToDevice(machine, [delivered(sent.request, ME, RUST, 'RUSTDEV')]);
      const decrypted = processed.find((p) => p.type === RustSdk.ProcessedToDeviceEventType.Decrypted) as RustSdk.DecryptedToDeviceEvent | undefined;
      assert.ok(decrypted, `Rust did not decrypt it: ${processed.map((p) => p.type).join(', ')}`);
      const raw = JSON.parse(decrypted.rawEvent) as { type: string; content: unknown };
      assert.equal(raw.type, 'org.example.custom');
      assert.deepEqual(raw.content, { hello: 'rust' });
      assert.equal(decrypted.encryptionInfo.senderDevice?.toString(), 'MEDEV');
      await ledger.markRequestAsSent(sent.request!.id, 'to_device', {});
      assert.deepEqual(ledger.outgoingRequests(), []);

      // Rust → keyledger, over the session Rust now shares with us.
      const device = await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
      const content = JSON.parse(await device!.encryptToDeviceEvent('org.example.reply', { n: 1 })) as OlmToDeviceEvent['content'];
      const r = await ledger.receiveSync({ to_device: { events: [{ type: 'm.room.encrypted', sender: RUST, content }] }, device_one_time_keys_count: { signed_curve25519: 50 } });
      const [got] = r.toDeviceEvents;
      assert.equal(got?.status, 'decrypted', JSON.stringify(got));
      if (got?.status !== 'decrypted') return;
      assert.equal(got.type, 'org.example.reply');
      assert.deepEqual(got.content, { n: 1 });
      assert.deepEqual(got.senderDevice, { userId: RUST, deviceId: 'RUSTDEV', via: 'keys_query' });
      // No claim is needed any more: we share a session.
      assert.equal(await ledger.getMissingSessions([RUST]), null);
    } finally {
      machine.close();
    }
  });

  it('a wedged session recovers against Rust: a new session from a fresh claim, an m.dummy Rust decrypts, and Rust\'s next message decrypts', async () => {
    const ledger = await newLedger(ME, 'MEDEV');
    const machine = await createRustDevice(RUST, 'RUSTDEV');
    try {
      const rustUpload = await rustKeysUpload(machine);
      const rustKeys = Object.entries(rustUpload!.one_time_keys!);
      await ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([rustDeviceIdentity(machine)]) });
      const mine = await publish(ledger);
      await rustReceiveKeysQuery(machine, { device_keys: { [ME]: { MEDEV: mine.deviceKeys } }, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} });
      // Rust opens the session and sends one message: it decrypts.
      await rustReceiveKeysClaim(machine, { [ME]: { MEDEV: mine.claimed as Record<string, SignedCurve25519Key> } });
      const device = await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
      const first = JSON.parse(await device!.encryptToDeviceEvent('org.example.one', {})) as OlmToDeviceEvent['content'];
      const ok = await ledger.receiveSync({ to_device: { events: [{ type: 'm.room.encrypted', sender: RUST, content: first }] }, device_one_time_keys_count: { signed_curve25519: 49 } });
      assert.equal(ok.toDeviceEvents[0]?.status, 'decrypted');
      // Its next message is damaged on the way: the session counts as wedged.
      const second = JSON.parse(await device!.encryptToDeviceEvent('org.example.two', {})) as OlmToDeviceEvent['content'];
      const mine2 = second.ciphertext[Object.keys(second.ciphertext)[0]!]!;
      mine2.body = `${mine2.body.slice(0, 40)}${mine2.body.slice(40).split('').reverse().join('')}`;
      const wedged = await ledger.receiveSync({ to_device: { events: [{ type: 'm.room.encrypted', sender: RUST, content: second }] }, device_one_time_keys_count: { signed_curve25519: 49 } });
      assert.equal(wedged.toDeviceEvents[0]?.status, 'undecryptable');
      assert.ok(wedged.decisions.some((d) => d.code === 'olm_session.wedged'));
      const claim = ledger.outgoingRequests().find((r) => r.type === 'keys_claim');
      const [keyId, key] = rustKeys[1]!;
      const answered = await ledger.markRequestAsSent(claim!.id, 'keys_claim', { one_time_keys: { [RUST]: { RUSTDEV: { [keyId]: key } } } });
      assert.deepEqual(answered.decisions.map((d) => d.code), ['keys_claim.accepted', 'to_device.encrypted']);
      const dummy = ledger.outgoingRequests().find((r) => r.type === 'to_device') ?? null;
      const processed = await rustReceiveToDevice(machine, [delivered(dummy, ME, RUST, 'RUSTDEV')]);
      const decrypted = processed.find((p) => p.type === RustSdk.ProcessedToDeviceEventType.Decrypted) as RustSdk.DecryptedToDeviceEvent | undefined;
      assert.ok(decrypted, `Rust did not decrypt the m.dummy: ${processed.map((p) => p.type).join(', ')}`);
      assert.equal((JSON.parse(decrypted.rawEvent) as { type: string }).type, 'm.dummy');
      // Rust now uses the new session: its next message decrypts.
      const third = JSON.parse(await device!.encryptToDeviceEvent('org.example.three', { n: 3 })) as OlmToDeviceEvent['content'];
      const back = await ledger.receiveSync({ to_device: { events: [{ type: 'm.room.encrypted', sender: RUST, content: third }] }, device_one_time_keys_count: { signed_curve25519: 49 } });
      assert.deepEqual(back.toDeviceEvents.map((e) => e.status === 'decrypted' && [e.type, e.content]), [['org.example.three', { n: 3 }]]);
    } finally {
      machine.close();
    }
  });

  it('two ledgers: one claims, opens a session and sends; the other decrypts and answers over it', async () => {
    const alice = await newLedger('@alice:example.org', 'ALICE');
    const bob = await newLedger('@bob:example.org', 'BOB');
    const a = await publish(alice);
    const b = await publish(bob);
    const listing = (userId: string, deviceId: string, keys: unknown) => ({ device_keys: { [userId]: { [deviceId]: keys } }, failures: {} });
    await alice.ingest({ kind: 'keys_query', response: listing('@bob:example.org', 'BOB', b.deviceKeys) as never });
    await bob.ingest({ kind: 'keys_query', response: listing('@alice:example.org', 'ALICE', a.deviceKeys) as never });
    const claim = await alice.getMissingSessions(['@bob:example.org']);
    await alice.markRequestAsSent(claim!.id, 'keys_claim', { one_time_keys: { '@bob:example.org': { BOB: b.claimed } } });
    const sent = await alice.encryptToDevice('@bob:example.org', 'BOB', 'org.example.ping', { seq: 1 });
    const r = await bob.receiveSync({ to_device: { events: [delivered(sent.request, '@alice:example.org', '@bob:example.org', 'BOB')] }, device_one_time_keys_count: { signed_curve25519: 49 } });
    assert.deepEqual(r.toDeviceEvents.map((e) => e.status === 'decrypted' && [e.type, e.content, e.senderDevice?.deviceId]), [['org.example.ping', { seq: 1 }, 'ALICE']]);
    // Bob answers over the session Alice's pre-key message made: no claim needed.
    assert.equal(await bob.getMissingSessions(['@alice:example.org']), null);
    const reply = await bob.encryptToDevice('@alice:example.org', 'ALICE', 'org.example.pong', { seq: 2 });
    assert.deepEqual(reply.decisions.map((d) => d.code), ['to_device.encrypted']);
    const back = await alice.receiveSync({ to_device: { events: [delivered(reply.request, '@bob:example.org', '@alice:example.org', 'ALICE')] }, device_one_time_keys_count: { signed_curve25519: 50 } });
    assert.deepEqual(back.toDeviceEvents.map((e) => e.status === 'decrypted' && [e.type, e.content, e.senderDevice?.deviceId]), [['org.example.pong', { seq: 2 }, 'BOB']]);
  });

  it('to_device.no_session and to_device.unknown_device: nothing is encrypted without a session or a listed device', async () => {
    const alice = await newLedger('@alice:example.org', 'ALICE');
    const bob = await newLedger('@bob:example.org', 'BOB');
    const b = await publish(bob);
    const unknown = await alice.encryptToDevice('@bob:example.org', 'BOB', 'org.example.ping', {});
    assert.deepEqual([unknown.request, unknown.decisions.map((d) => d.code)], [null, ['to_device.unknown_device']]);
    await alice.ingest({ kind: 'keys_query', response: { device_keys: { '@bob:example.org': { BOB: b.deviceKeys as never } }, failures: {} } });
    const none = await alice.encryptToDevice('@bob:example.org', 'BOB', 'org.example.ping', {});
    assert.deepEqual([none.request, none.decisions.map((d) => d.code)], [null, ['to_device.no_session']]);
    assert.deepEqual(alice.outgoingRequests().filter((r) => r.type === 'to_device'), []);
  });
});
