/**
 * What `decryptRoomEvent` tells a client must not mislead it. Alice is the Rust SDK
 * (matrix-sdk-crypto-wasm), cross-signed; Carol (no cross-signing at all) and Dave (a
 * cross-signed user whose device is not) are testkit devices with real olm keys. Our
 * ledger requires `cross_signed_or_legacy` senders unless a call says otherwise.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Decision, type DecryptedRoomEvent, type Ledger } from '../../src/index.js';
import { SimDevice, SimUser, keysQueryResponse, type MegolmRoomEvent, type SimOutboundGroupSession } from '../../src/testkit/index.js';
import { tempDir } from '../helpers/tmp.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, type RustIdentity, RustSdk } from './rust.js';
import { rustEncryptRoomEvent, rustReceiveKeysClaim, rustReceiveKeysQuery, rustShareRoomKey } from './rust-share.js';

const ME = '@bob:example.org';
const ALICE = '@alice:example.org';
const CAROL = '@carol:example.org';
const DAVE = '@dave:example.org';
const MALLORY = '@mallory:example.org';
const ROOM = '!answer:example.org';

const codes = (ds: readonly Decision[]) => ds.map((d) => d.code);
const body = (d: DecryptedRoomEvent) => (d.plaintext?.content as { body?: string } | undefined)?.body;

describe('interop: the room-event answer does not mislead', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let machine: RustSdk.OlmMachine;
  let alice: RustIdentity;
  let carol: SimDevice;
  let dave: SimUser;
  let d1: SimDevice;
  let carolOut: SimOutboundGroupSession;
  let daveOut: SimOutboundGroupSession;
  const say = (text: string) => rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { msgtype: 'm.text', body: text }) as Promise<MegolmRoomEvent>;

  before(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'BOBPHONE', storeKey: 'test store key', trustRequirement: 'cross_signed_or_legacy' });
    const upload = await ledger.publishKeys({ withDeviceKeys: true });
    machine = await createRustDevice(ALICE, 'ALICEDEV');
    await rustKeysUpload(machine);
    alice = await rustBootstrapCrossSigning(machine);
    await rustReceiveKeysQuery(machine, keysQueryResponse({ users: [{ userId: ME, devices: [upload.device_keys as never] }] }));
    const [otkId, otk] = Object.entries(upload.one_time_keys)[0]!;
    await rustReceiveKeysClaim(machine, { [ME]: { BOBPHONE: { [otkId]: otk } as never } });

    carol = await SimDevice.create(CAROL, 'C1');
    dave = await SimUser.create(DAVE);
    d1 = await dave.addDevice('D1');
    const us = async () => ({ userId: ME, deviceId: 'BOBPHONE', curve25519: ledger.owner.curve25519, ed25519: ledger.owner.ed25519, oneTimeKey: Object.values((await ledger.publishKeys({ count: 1 })).one_time_keys)[0]!.key });
    carolOut = carol.createOutboundSession(ROOM);
    daveOut = d1.createOutboundSession(ROOM);
    await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ userId: CAROL, devices: [carol] }, { user: dave, crossSigned: false }] }) });
    await ledger.ingest({ kind: 'to_device', event: carol.encryptToDevice(await us(), 'm.room_key', carolOut.roomKeyContent()) });
    await ledger.ingest({ kind: 'to_device', event: d1.encryptToDevice(await us(), 'm.room_key', daveOut.roomKeyContent()) });
  });

  after(async () => {
    await ledger.close();
    machine.close();
    carolOut.free();
    daveOut.free();
    carol.free();
    dave.free();
    dir.cleanup();
  });

  it('authenticates Alice\'s session when /keys/query lists her device after her room key (room_key.sender_device_confirmed)', async () => {
    const [shared] = (await rustShareRoomKey(machine, ROOM, [ME])).filter((s) => s.deviceId === 'BOBPHONE');
    const roomKey = await ledger.ingest({ kind: 'to_device', event: shared!.event });
    assert.ok(codes(roomKey.decisions).includes('room_key.accepted'), codes(roomKey.decisions).join());
    const roomKeySeq = roomKey.seqs[roomKey.seqs.length - 1]!;

    const early = await ledger.decryptRoomEvent(ROOM, await say('before keys_query'));
    assert.deepEqual([early.decrypted, early.plaintext, early.authenticity], [true, null, 'unauthenticated']);
    assert.deepEqual([early.utd?.cause, early.utd?.detail['reason']], ['below_trust_requirement', 'unauthenticated_session']);
    assert.deepEqual([early.shield.color, early.shield.code], ['red', 'unknown_device']);
    const untrusted = await ledger.decryptRoomEvent(ROOM, await say('shown anyway'), { trustRequirement: 'untrusted' });
    assert.deepEqual([body(untrusted), untrusted.utd], ['shown anyway', null], 'a call may lower the requirement');

    const listed = await ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([alice]) });
    const confirmed = listed.decisions.find((d) => d.code === 'room_key.sender_device_confirmed');
    assert.ok(confirmed, codes(listed.decisions).join());
    assert.equal(confirmed.seq, listed.seq, 'decided in the fold of the keys_query entry');
    assert.ok(confirmed.because.includes(roomKeySeq), `names the room key (seq ${roomKeySeq}): [${confirmed.because.join(', ')}]`);
    assert.deepEqual([confirmed.detail?.['room_key_seq'], confirmed.detail?.['keys_query_seq']], [roomKeySeq, listed.seq]);

    const later = await ledger.decryptRoomEvent(ROOM, await say('after keys_query'));
    assert.deepEqual([body(later), later.authenticity, later.senderTrust?.level, later.utd], ['after keys_query', 'authenticated', 'cross_signed_tofu', null]);
    assert.deepEqual(later.shield, { color: 'none', code: null, message: null });
  });

  it('withholds an event whose sender does not own the session (sender_mismatch), unless asked for forensics', async () => {
    const forged = { ...(await say('forged')), sender: MALLORY };
    const d = await ledger.decryptRoomEvent(ROOM, forged);
    assert.deepEqual([d.decrypted, d.plaintext, d.utd?.cause, d.utd?.detail['key_owner']], [true, null, 'sender_mismatch', ALICE]);
    assert.deepEqual([d.shield.color, d.shield.code], ['red', 'mismatched_sender']);
    assert.deepEqual(codes(d.warnings), ['megolm.sender_mismatch']);
    const forensic = await ledger.decryptRoomEvent(ROOM, { ...(await say('forged, shown')), sender: MALLORY }, { forensic: true });
    assert.deepEqual([body(forensic), forensic.utd?.cause, forensic.shield.code], ['forged, shown', 'sender_mismatch', 'mismatched_sender']);
  });

  it('withholds a replayed message index (replayed_index)', async () => {
    const event = await say('once');
    assert.equal(body(await ledger.decryptRoomEvent(ROOM, event)), 'once');
    const replay = await ledger.decryptRoomEvent(ROOM, { ...event, event_id: '$replayed' });
    assert.deepEqual([replay.decrypted, replay.plaintext, replay.utd?.cause, replay.utd?.detail['first_event_id']], [true, null, 'replayed_index', event.event_id]);
    assert.deepEqual([replay.shield.color, replay.shield.code], ['red', 'replayed_index']);
    assert.deepEqual(codes(replay.warnings), ['megolm.replayed_index']);
  });

  it('holds senders to the trust requirement: a legacy user passes cross_signed_or_legacy, an unsigned device of a cross-signed user does not', async () => {
    const fromCarol = carolOut.encrypt('m.room.message', { body: 'legacy' });
    const legacy = await ledger.decryptRoomEvent(ROOM, fromCarol);
    assert.deepEqual([body(legacy), legacy.authenticity, legacy.shield.code], ['legacy', 'authenticated', 'unsigned_device']);
    const strict = await ledger.decryptRoomEvent(ROOM, carolOut.encrypt('m.room.message', { body: 'legacy 2' }), { trustRequirement: 'cross_signed' });
    assert.deepEqual([strict.plaintext, strict.utd?.cause, strict.utd?.detail['requirement'], strict.utd?.detail['reason']], [null, 'below_trust_requirement', 'cross_signed', 'unsigned_device']);

    const fromDave = await ledger.decryptRoomEvent(ROOM, daveOut.encrypt('m.room.message', { body: 'unsigned' }));
    assert.deepEqual([fromDave.plaintext, fromDave.utd?.cause, fromDave.utd?.detail['reason'], fromDave.shield.color], [null, 'below_trust_requirement', 'unsigned_device', 'red']);
    const alicesOwn = await ledger.decryptRoomEvent(ROOM, await say('cross-signed'), { trustRequirement: 'cross_signed' });
    assert.equal(body(alicesOwn), 'cross-signed');
  });

  it('answers the same event again from the log, appending nothing; other content under its ID is logged', async () => {
    const event = await say('re-rendered');
    const first = await ledger.decryptRoomEvent(ROOM, event);
    const head = ledger.headSeq();
    const again = await ledger.decryptRoomEvent(ROOM, structuredClone(event));
    assert.equal(ledger.headSeq(), head, 'nothing appended');
    assert.deepEqual({ ...again, repeated: false }, first);
    assert.equal(again.repeated, true);

    const altered = await ledger.decryptRoomEvent(ROOM, { ...event, origin_server_ts: event.origin_server_ts + 1 });
    assert.equal(ledger.headSeq(), head + 2, 'a different event under the same ID is logged');
    assert.deepEqual([altered.repeated, altered.utd?.cause, codes(altered.warnings)], [false, 'replayed_index', ['megolm.replayed_index']]);
  });

  it('answers a refused event again from the log, with its decision, appending nothing', async () => {
    const event = await say('replayed later');
    await ledger.decryptRoomEvent(ROOM, event);
    const replay = { ...event, event_id: '$replayed-again' };
    const first = await ledger.decryptRoomEvent(ROOM, replay);
    const head = ledger.headSeq();
    const again = await ledger.decryptRoomEvent(ROOM, structuredClone(replay));
    assert.equal(ledger.headSeq(), head, 'nothing appended');
    assert.deepEqual([again.repeated, again.plaintext, again.utd?.cause, codes(again.warnings)], [true, null, 'replayed_index', ['megolm.replayed_index']]);
    assert.deepEqual({ ...again, repeated: false }, first);
  });

  it('answers an undecryptable event again from the log until its key comes, then decrypts and logs it', async () => {
    const later = carol.createOutboundSession(ROOM);
    try {
      const key = later.roomKeyContent(); // at index 0, the event's
      const event = later.encrypt('m.room.message', { body: 'key comes later' });
      const first = await ledger.decryptRoomEvent(ROOM, event);
      assert.deepEqual([first.decrypted, first.utd?.cause, codes(first.warnings)], [false, 'no_session', ['megolm.undecryptable']]);
      const head = ledger.headSeq();
      const again = await ledger.decryptRoomEvent(ROOM, structuredClone(event));
      assert.equal(ledger.headSeq(), head, 'nothing appended');
      assert.deepEqual({ ...again, repeated: false }, first);
      assert.equal(again.repeated, true);

      const us = { userId: ME, deviceId: 'BOBPHONE', curve25519: ledger.owner.curve25519, ed25519: ledger.owner.ed25519 };
      const shared = await ledger.ingest({ kind: 'to_device', event: carol.encryptToDevice(us, 'm.room_key', key) });
      assert.ok(codes(shared.decisions).includes('room_key.accepted'), codes(shared.decisions).join());
      const decrypted = await ledger.decryptRoomEvent(ROOM, structuredClone(event));
      assert.deepEqual([decrypted.repeated, body(decrypted), ledger.headSeq() > head], [false, 'key comes later', true]);
    } finally {
      later.free();
    }
  });

  it('gives ingest and decryptRoomEvent one plaintext shape', async () => {
    const viaIngest = await ledger.ingest({ kind: 'room_event', room_id: ROOM, event: await say('shape') });
    const viaDecrypt = await ledger.decryptRoomEvent(ROOM, await say('shape'));
    assert.deepEqual(viaIngest.plaintext, { type: 'm.room.message', content: { msgtype: 'm.text', body: 'shape' } });
    assert.deepEqual(viaDecrypt.plaintext, viaIngest.plaintext);
  });

  it('replays to the same state, and verifies', async () => {
    const { state } = await ledger.replay();
    assert.equal(ledger.stateHash(state), ledger.stateHash());
    assert.equal((await ledger.verify()).ok, true);
  });
});
