import assert from 'node:assert/strict';
import { loadOlm } from '../../src/crypto/olm.js';
import { SimUser, keysQueryResponse, mergeKeysQueryResponses, type SimDevice, type RoomKeyContent } from '../../src/testkit/index.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, type KeysUploadBody, type RustIdentity, RustSdk } from './rust.js';
import { rustDecryptRoomEvent, rustEncryptRoomEvent, rustReceiveKeysClaim, rustReceiveKeysQuery, rustReceiveToDevice, rustShareRoomKey } from './rust-share.js';
import { verifySigned } from '../src/testkit/verify.js';

describe('interop: Olm and Megolm between the Rust SDK and testkit devices', () => {
  const roomId = '!room:example.org';
  let machine: RustSdk.OlmMachine;
  let upload: KeysUploadBody;
  let rust: RustIdentity;
  let bob: SimUser;
  let bobDev: SimDevice;

  before(async () => {
    machine = await createRustDevice('@rust:example.org', 'RUSTDEV');
    upload = (await rustKeysUpload(machine))!;
    rust = await rustBootstrapCrossSigning(machine);
    bob = await SimUser.create('@bob:example.org');
    bobDev = await bob.addDevice('BOBDEV');
    // The machine queries its own user too: answer with both, as a server would.
    await rustReceiveKeysQuery(machine, mergeKeysQueryResponses(
      keysQueryResponse({ users: [{ user: bob }] }),
      rustKeysQueryResponse([rust], { includeUserSigningKey: true }),
    ));
    await rustReceiveKeysClaim(machine, { [bob.userId]: { BOBDEV: bobDev.oneTimeKeys(1) } });
  });
  after(() => {
    machine.close();
    bob.free();
  });

  it('Rust → testkit: Olm m.room_key decrypts and passes the spec checks; Megolm events decrypt', async () => {
    const sent = await rustShareRoomKey(machine, roomId, [bob.userId]);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.deviceId, 'BOBDEV');
    const { payload, messageType } = bobDev.decryptToDevice(sent[0]!.event);
    assert.equal(messageType, 0);
    assert.equal(payload.type, 'm.room_key');
    assert.equal(payload.sender, '@rust:example.org');
    assert.equal(payload.recipient, bob.userId);
    assert.deepEqual(payload.recipient_keys, { ed25519: bobDev.ed25519 });
    assert.deepEqual(payload.keys, { ed25519: rust.deviceKeys.keys['ed25519:RUSTDEV'] });
    const sdk = payload.sender_device_keys!;
    assert.equal(sdk.keys['curve25519:RUSTDEV'], sent[0]!.event.content.sender_key);
    assert.ok(await verifySigned(sdk, '@rust:example.org', 'ed25519:RUSTDEV', payload.keys.ed25519));
    const ssk = Object.values(rust.selfSigningKey!.keys)[0]!;
    assert.ok(await verifySigned(sdk, '@rust:example.org', `ed25519:${ssk}`, ssk), 'Rust includes its cross-signing signature');

    const key = payload.content as RoomKeyContent;
    assert.equal(key.room_id, roomId);
    const event = await rustEncryptRoomEvent(machine, roomId, 'm.room.message', { msgtype: 'm.text', body: 'hi' });
    assert.equal(event.content.session_id, key.session_id);
    const olm = await loadOlm();
    const inbound = new olm.InboundGroupSession();
    try {
      inbound.create(key.session_key);
      const { plaintext, message_index } = inbound.decrypt(event.content.ciphertext);
      assert.equal(message_index, 0);
      assert.deepEqual(JSON.parse(plaintext), { type: 'm.room.message', content: { msgtype: 'm.text', body: 'hi' }, room_id: roomId });
    } finally {
      inbound.free();
    }
  });

  it('testkit → Rust: Rust accepts our Olm m.room_key and decrypts our Megolm event', async () => {
    const [otkId, otk] = Object.entries(upload.one_time_keys!)[0]!;
    assert.match(otkId, /^signed_curve25519:/);
    const recipient = { userId: rust.userId, deviceId: rust.deviceId, curve25519: rust.deviceKeys.keys['curve25519:RUSTDEV']!,
      ed25519: rust.deviceKeys.keys['ed25519:RUSTDEV']!, oneTimeKey: otk.key };
    const out = bobDev.createOutboundSession(roomId);
    const toDevice = bobDev.encryptToDevice(recipient, 'm.room_key', out.roomKeyContent(), { newSession: true });
    const processed = await rustReceiveToDevice(machine, [toDevice]);
    assert.equal(processed.length, 1);
    assert.equal(processed[0]!.type, RustSdk.ProcessedToDeviceEventType.Decrypted, 'Rust decrypted our Olm message');
    const event = out.encrypt('m.room.message', { msgtype: 'm.text', body: 'from testkit' });
    const decrypted = await rustDecryptRoomEvent(machine, event);
    assert.deepEqual(JSON.parse(decrypted.event).content, { msgtype: 'm.text', body: 'from testkit' });
    assert.equal(decrypted.senderCurve25519Key, bobDev.curve25519);
  });
});
