/**
 * End to end through real ingestion, with the Rust SDK (matrix-sdk-crypto-wasm) as Alice:
 * she downloads our device keys, claims our one-time key, shares a room key over Olm and
 * encrypts room messages; keyledger decrypts, accepts and judges them. Then our own second
 * device forwards keys: accepted only when verified, requested, lower and connected.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Decision, type Ledger } from '../../src/index.js';
import { SimDevice, SimUser, keysQueryResponse, mergeKeysQueryResponses, type KeysQueryResponse } from '../../src/testkit/index.js';
import { tempDir } from '../helpers/tmp.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, type RustIdentity, RustSdk } from './rust.js';
import { rustEncryptRoomEvent, rustReceiveKeysClaim, rustReceiveKeysQuery, rustShareRoomKey } from './rust-share.js';

const ME = '@bob:example.org';
const ROOM = '!lunch:example.org';

const codes = (ds: readonly Decision[]) => ds.map((d) => d.code);

describe('interop: keyledger ingesting what the Rust SDK sends', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let machine: RustSdk.OlmMachine;
  let alice: RustIdentity;
  let me: SimUser;
  let laptop: SimDevice;
  let phone: SimDevice;

  before(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'BOBPHONE', storeKey: 'test store key' });
    const upload = await ledger.publishKeys({ withDeviceKeys: true });

    machine = await createRustDevice('@alice:example.org', 'ALICEDEV');
    await rustKeysUpload(machine);
    alice = await rustBootstrapCrossSigning(machine);
    // Our own user: a cross-signed identity with two more devices, one of which we verify.
    me = await SimUser.create(ME);
    laptop = await me.addDevice('BOBLAPTOP');
    phone = await me.addDevice('BOBTABLET');
    const ours = keysQueryResponse({ users: [{ user: me, devices: [laptop, phone, upload.device_keys as never], includeUserSigningKey: true }] });
    // Alice's machine learns our device (as the server would tell it) and claims our one-time key.
    await rustReceiveKeysQuery(machine, mergeKeysQueryResponses(ours, rustKeysQueryResponse([alice], { includeUserSigningKey: true })) as KeysQueryResponse);
    const [otkId, otk] = Object.entries(upload.one_time_keys)[0]!;
    await rustReceiveKeysClaim(machine, { [ME]: { BOBPHONE: { [otkId]: otk } as never } });

    await ledger.ingest({ kind: 'keys_query', response: mergeKeysQueryResponses(ours, rustKeysQueryResponse([alice])) });
    await ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'BOBLAPTOP', ed25519: laptop.ed25519 });
  });

  after(async () => {
    await ledger.close();
    machine.close();
    me.free();
    dir.cleanup();
  });

  it('decrypts the Rust SDK\'s Olm m.room_key and accepts the session at index 0, authenticated', async () => {
    const sent = await rustShareRoomKey(machine, ROOM, [ME]);
    const ours = sent.find((s) => s.deviceId === 'BOBPHONE');
    assert.ok(ours, 'Alice shared with our device');
    const r = await ledger.ingest({ kind: 'to_device', event: ours.event });
    assert.ok(codes(r.decisions).includes('room_key.accepted'), codes(r.decisions).join());
    const accepted = r.decisions.find((d) => d.code === 'room_key.accepted')!;
    assert.match(accepted.subject, new RegExp(`^session ${ROOM} `));
  });

  it('decrypts her Megolm messages with sender, device, trust and index', async () => {
    for (const [i, body] of ['Lunch?', 'Noon.'].entries()) {
      const event = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { msgtype: 'm.text', body });
      const d = await ledger.decryptRoomEvent(ROOM, event);
      assert.equal(d.decrypted, true);
      assert.deepEqual(d.plaintext, { type: 'm.room.message', content: { msgtype: 'm.text', body } });
      assert.equal(d.messageIndex, i);
      assert.equal(d.authenticity, 'authenticated');
      assert.deepEqual(d.senderDevice, { userId: '@alice:example.org', deviceId: 'ALICEDEV' });
      assert.equal(d.senderTrust?.level, 'cross_signed_tofu');
      assert.deepEqual(d.warnings, []);
    }
  });

  it('takes the event alone when it names its room, or a room_event envelope', async () => {
    const event = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { body: 'by itself' });
    const alone = await ledger.decryptRoomEvent({ ...(event as object), room_id: ROOM });
    assert.equal((alone.plaintext?.content as { body?: string }).body, 'by itself');
    const second = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { body: 'enveloped' });
    const enveloped = await ledger.decryptRoomEvent({ kind: 'room_event', room_id: ROOM, event: second });
    assert.equal((enveloped.plaintext?.content as { body?: string }).body, 'enveloped');
  });

  it('flags the same message index under another event id as a replay', async () => {
    const event = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { body: 'once' });
    await ledger.decryptRoomEvent(ROOM, event);
    const again = await ledger.decryptRoomEvent(ROOM, { ...(event as object), event_id: '$replayed' });
    assert.ok(codes(again.warnings).includes('megolm.replayed_index'), codes(again.warnings).join());
  });

  describe('forwarded keys from our own devices', () => {
    let alice2: SimDevice;
    beforeEach(async () => {
      alice2 = await SimDevice.create('@alice:example.org', 'ALICEOLD');
    });
    afterEach(() => alice2.free());

    const request = async (senderKey: string, sessionId: string, id: string) =>
      ledger.ingest({ kind: 'user_action', action: 'request_room_key', room_id: ROOM, sender_key: senderKey, session_id: sessionId, request_id: id });
    const forward = async (from: SimDevice, content: unknown) => {
      const olmTo = { userId: ME, deviceId: 'BOBPHONE', curve25519: ledger.owner.curve25519, ed25519: ledger.owner.ed25519, oneTimeKey: await oneTimeKey() };
      return ledger.ingest({ kind: 'to_device', event: from.encryptToDevice(olmTo, 'm.forwarded_room_key', content as Record<string, unknown>) });
    };
    const oneTimeKey = async () => Object.values((await ledger.publishKeys({ count: 1 })).one_time_keys)[0]!.key;

    it('accepts a requested key from our verified laptop, then only a lower, connected update', async () => {
      const out = alice2.createOutboundSession(ROOM);
      for (let i = 0; i < 3; i++) out.encrypt('m.room.message', { body: `${i}` });
      await request(alice2.curve25519, out.sessionId, 'req1');
      const first = await forward(laptop, await out.forwardedRoomKeyContent(2));
      assert.ok(codes(first.decisions).includes('forwarded_key.accepted'), codes(first.decisions).join());

      // A fulfilled request is closed: each further key needs a request of its own.
      await request(alice2.curve25519, out.sessionId, 'req1b');
      const higher = await forward(laptop, await out.forwardedRoomKeyContent(3));
      assert.ok(codes(higher.decisions).includes('session_update.not_lower_index'), codes(higher.decisions).join());

      // The same session ID (the signing key) over another ratchet: the export format
      // carries no signature, so anyone holding the session can forge an "earlier" key.
      const content = await out.forwardedRoomKeyContent(0);
      const bytes = Buffer.from(content.session_key, 'base64');
      for (let i = 5; i < 5 + 128; i++) bytes[i] = (bytes[i]! + 1) & 0xff; // version(1) index(4) ratchet(128) key(32)
      await request(alice2.curve25519, out.sessionId, 'req1c');
      const unconnected = await forward(laptop, { ...content, session_key: bytes.toString('base64').replace(/=+$/, '') });
      assert.ok(codes(unconnected.decisions).includes('session_update.unconnected'), codes(unconnected.decisions).join());

      await request(alice2.curve25519, out.sessionId, 'req1d');
      const lower = await forward(laptop, await out.forwardedRoomKeyContent(1));
      assert.ok(codes(lower.decisions).includes('session_update.accepted'), codes(lower.decisions).join());
      const event = out.encrypt('m.room.message', { body: 'after' });
      const d = await ledger.decryptRoomEvent(ROOM, event);
      assert.equal(d.decrypted, true);
      assert.equal(d.authenticity, 'unauthenticated', 'a forwarded key never authenticates its messages');
      out.free();
    });

    it('refuses a forward from our unverified device, from another user, and one never requested', async () => {
      const out = alice2.createOutboundSession(ROOM);
      await request(alice2.curve25519, out.sessionId, 'req2');
      const fromPhone = await forward(phone, await out.forwardedRoomKeyContent(0));
      assert.ok(codes(fromPhone.decisions).includes('forwarded_key.untrusted_sender'), codes(fromPhone.decisions).join());
      const fromAlice = await forward(alice2, await out.forwardedRoomKeyContent(0));
      assert.ok(codes(fromAlice.decisions).includes('forwarded_key.other_user'), codes(fromAlice.decisions).join());
      const unrequested = alice2.createOutboundSession(ROOM);
      const notAsked = await forward(laptop, await unrequested.forwardedRoomKeyContent(0));
      assert.ok(codes(notAsked.decisions).includes('forwarded_key.unrequested'), codes(notAsked.decisions).join());
      // And the messages of the refused session say why they cannot be read.
      const d = await ledger.decryptRoomEvent(ROOM, unrequested.encrypt('m.room.message', { body: 'x' }));
      assert.equal(d.decrypted, false);
      assert.equal(d.utd?.cause, 'session_rejected');
      out.free();
      unrequested.free();
    });
  });

  it('replays to the same state, and verifies', async () => {
    const { state } = await ledger.replay();
    assert.equal(ledger.stateHash(state), ledger.stateHash());
    assert.equal((await ledger.verify()).ok, true);
  });
});
