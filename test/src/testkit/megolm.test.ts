import assert from 'node:assert/strict';
import { loadOlm } from '../../../src/crypto/olm.js';
import { SimDevice, exportSessionAt } from '../../../src/testkit/index.js';

describe('testkit: Megolm', () => {
  const roomId = '!room:example.org';
  let alice: SimDevice;

  before(async () => {
    alice = await SimDevice.create('@alice:example.org', 'ALICE');
  });
  after(() => alice.free());

  it('room events decrypt with the m.room_key session key; indexes increase', async () => {
    const olm = await loadOlm();
    const out = alice.createOutboundSession(roomId);
    const key = out.roomKeyContent();
    assert.deepEqual(Object.keys(key).sort(), ['algorithm', 'room_id', 'session_id', 'session_key']);
    assert.equal(key.algorithm, 'm.megolm.v1.aes-sha2');
    const events = [0, 1, 2].map((i) => out.encrypt('m.room.message', { body: `msg ${i}` }));
    assert.equal(out.messageIndex, 3);
    assert.equal(new Set(events.map((e) => e.event_id)).size, 3);

    const inbound = new olm.InboundGroupSession();
    try {
      inbound.create(key.session_key);
      assert.equal(inbound.session_id(), key.session_id);
      events.forEach((event, i) => {
        assert.equal(event.type, 'm.room.encrypted');
        assert.equal(event.room_id, roomId);
        assert.equal(event.content.sender_key, alice.curve25519);
        assert.equal(event.content.device_id, 'ALICE');
        assert.equal(event.content.session_id, key.session_id);
        const { message_index, plaintext } = inbound.decrypt(event.content.ciphertext);
        assert.equal(message_index, i);
        assert.deepEqual(JSON.parse(plaintext), { type: 'm.room.message', content: { body: `msg ${i}` }, room_id: roomId });
      });
    } finally {
      inbound.free();
    }
  });

  it('encrypt options set event id, timestamp and forged plaintext fields', async () => {
    const olm = await loadOlm();
    const out = alice.createOutboundSession(roomId);
    const event = out.encrypt('m.room.message', {}, { eventId: '$x', originServerTs: 5, plaintext: { room_id: '!other:x' } });
    assert.equal(event.event_id, '$x');
    assert.equal(event.origin_server_ts, 5);
    const inbound = new olm.InboundGroupSession();
    try {
      inbound.create(out.initialSessionKey);
      assert.equal(JSON.parse(inbound.decrypt(event.content.ciphertext).plaintext).room_id, '!other:x');
    } finally {
      inbound.free();
    }
  });

  it('a forwarded key exported at index 3 imports with first known index 3', async () => {
    const olm = await loadOlm();
    const out = alice.createOutboundSession(roomId);
    const events = [0, 1, 2, 3, 4].map((i) => out.encrypt('m.room.message', { i }));
    const fwd = await out.forwardedRoomKeyContent(3, ['chainKey']);
    assert.equal(fwd.sender_key, alice.curve25519);
    assert.equal(fwd.sender_claimed_ed25519_key, alice.ed25519);
    assert.deepEqual(fwd.forwarding_curve25519_key_chain, ['chainKey']);
    const inbound = new olm.InboundGroupSession();
    try {
      inbound.import_session(fwd.session_key);
      assert.equal(inbound.first_known_index(), 3);
      assert.equal(inbound.session_id(), fwd.session_id);
      assert.equal(inbound.decrypt(events[3]!.content.ciphertext).message_index, 3);
      assert.throws(() => inbound.decrypt(events[2]!.content.ciphertext), /UNKNOWN_MESSAGE_INDEX/);
    } finally {
      inbound.free();
    }
    // Re-exporting an exported key works too, but never below its first known index.
    assert.ok(await exportSessionAt(fwd.session_key, 4));
    await assert.rejects(exportSessionAt(fwd.session_key, 2));
  });
});
