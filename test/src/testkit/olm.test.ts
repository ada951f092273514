import assert from 'node:assert/strict';
import { SimDevice } from '../../../src/testkit/index.js';
import { verifySigned } from './verify.js';

describe('testkit: Olm to-device', () => {
  let alice: SimDevice;
  let bob: SimDevice;

  before(async () => {
    alice = await SimDevice.create('@alice:example.org', 'ALICE');
    bob = await SimDevice.create('@bob:example.org', 'BOB');
  });
  after(() => {
    alice.free();
    bob.free();
  });

  it('cannot start a session without a one-time key', () => {
    assert.throws(() => alice.encryptToDevice(bob.asRecipient(), 'm.dummy', {}), /no one-time key/);
  });

  it('round trip: pre-key message, then normal messages both ways', async () => {
    const first = alice.encryptToDevice(bob.claimOneTimeKey(), 'm.room_key', { hello: 1 });
    assert.equal(first.content.algorithm, 'm.olm.v1.curve25519-aes-sha2');
    assert.equal(first.content.sender_key, alice.curve25519);
    assert.equal(first.content.ciphertext[bob.curve25519]!.type, 0);
    const got = bob.decryptToDevice(first);
    assert.equal(got.messageType, 0);
    assert.deepEqual(got.payload.content, { hello: 1 });
    assert.equal(got.payload.type, 'm.room_key');
    assert.equal(got.payload.sender, alice.userId);
    assert.equal(got.payload.recipient, bob.userId);
    assert.deepEqual(got.payload.recipient_keys, { ed25519: bob.ed25519 });
    assert.deepEqual(got.payload.keys, { ed25519: alice.ed25519 });
    assert.ok(await verifySigned(got.payload.sender_device_keys!, alice.userId, 'ed25519:ALICE', alice.ed25519));

    // Bob replies on the inbound session: a normal message, no one-time key needed.
    const reply = bob.encryptToDevice(alice.asRecipient(), 'm.dummy', {});
    assert.equal(reply.content.ciphertext[alice.curve25519]!.type, 1);
    const back = alice.decryptToDevice(reply);
    assert.equal(back.sessionId, got.sessionId);

    // Alice's session has now received a message, so hers are normal messages too.
    const second = alice.encryptToDevice(bob.asRecipient(), 'm.dummy', { n: 2 });
    assert.equal(second.content.ciphertext[bob.curve25519]!.type, 1);
    assert.deepEqual(bob.decryptToDevice(second).payload.content, { n: 2 });
  });

  it('a replayed pre-key message cannot be decrypted twice into a new session', async () => {
    const carol = await SimDevice.create('@carol:example.org', 'CAROL');
    try {
      const msg = carol.encryptToDevice(bob.claimOneTimeKey(), 'm.dummy', {});
      bob.decryptToDevice(msg);
      // The same pre-key message matches the existing session, whose ratchet has moved on.
      assert.throws(() => bob.decryptToDevice(msg));
    } finally {
      carol.free();
    }
  });

  it('options forge plaintext and envelope fields for attack tests', async () => {
    const mallory = await SimDevice.create('@mallory:example.org', 'MAL');
    try {
      const forged = mallory.encryptToDevice(bob.claimOneTimeKey(), 'm.room_key', {}, {
        plaintext: { sender: alice.userId, keys: { ed25519: alice.ed25519 }, recipient_keys: undefined, extra: true },
        senderDeviceKeys: false,
        sender: alice.userId,
      });
      assert.equal(forged.sender, alice.userId);
      const { payload } = bob.decryptToDevice(forged);
      assert.equal(payload.sender, alice.userId);
      assert.deepEqual(payload.keys, { ed25519: alice.ed25519 });
      assert.equal('recipient_keys' in payload, false);
      assert.equal('sender_device_keys' in payload, false);
      assert.equal(payload['extra'], true);

      const raw = mallory.encryptToDevice(bob.asRecipient(), 'x', {}, { rawPlaintext: '{"type":"m.dummy"' });
      assert.throws(() => bob.decryptToDevice(raw), SyntaxError);
    } finally {
      mallory.free();
    }
  });
});
