import assert from 'node:assert/strict';
import { canonicalJson, SimDevice, SimUser, keysQueryResponse } from '../../../src/testkit/index.js';
import { verifySigned } from './verify.js';

describe('testkit: signing', () => {
  let alice: SimUser;
  let bob: SimUser;
  let dev: SimDevice;

  before(async () => {
    alice = await SimUser.create('@alice:example.org');
    bob = await SimUser.create('@bob:example.org');
    dev = await alice.addDevice('ALICEDEV');
  });
  after(() => {
    alice.free();
    bob.free();
  });

  it('canonical JSON sorts keys and drops whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } }), '{"a":{"c":"x","d":[1,2]},"b":1}');
  });

  it('device keys are self-signed and name the device', async () => {
    const keys = dev.deviceKeys();
    assert.equal(keys.keys['ed25519:ALICEDEV'], dev.ed25519);
    assert.equal(keys.keys['curve25519:ALICEDEV'], dev.curve25519);
    assert.deepEqual(keys.algorithms, ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2']);
    assert.ok(await verifySigned(keys, alice.userId, 'ed25519:ALICEDEV', dev.ed25519));
  });

  it('a tampered device key fails verification', async () => {
    const keys = dev.deviceKeys();
    keys.device_id = 'OTHER';
    assert.equal(await verifySigned(keys, alice.userId, 'ed25519:ALICEDEV', dev.ed25519), false);
  });

  it('unsigned is outside the signature', async () => {
    const keys = { ...dev.deviceKeys(), unsigned: { device_display_name: 'phone' } };
    assert.ok(await verifySigned(keys, alice.userId, 'ed25519:ALICEDEV', dev.ed25519));
  });

  it('one-time and fallback keys are signed by the device', async () => {
    const otks = dev.oneTimeKeys(3);
    assert.equal(Object.keys(otks).length, 3);
    for (const [id, signed] of Object.entries(otks)) {
      assert.match(id, /^signed_curve25519:/);
      assert.ok(await verifySigned(signed, alice.userId, 'ed25519:ALICEDEV', dev.ed25519));
    }
    assert.equal(Object.keys(dev.oneTimeKeys(2)).length, 2, 'published keys are not returned again');
    const [fallback] = Object.values(dev.fallbackKey());
    assert.equal(fallback!.fallback, true);
    assert.ok(await verifySigned(fallback!, alice.userId, 'ed25519:ALICEDEV', dev.ed25519));
  });

  it('cross-signing chain: master signs SSK and USK, SSK signs the device', async () => {
    const master = alice.publicKey('master');
    const ssk = alice.selfSigningKey();
    const usk = alice.userSigningKey();
    assert.deepEqual(ssk.usage, ['self_signing']);
    assert.ok(await verifySigned(ssk, alice.userId, `ed25519:${master}`, master));
    assert.ok(await verifySigned(usk, alice.userId, `ed25519:${master}`, master));
    const crossSigned = alice.crossSign(dev.deviceKeys());
    const sskPub = alice.publicKey('self_signing');
    assert.ok(await verifySigned(crossSigned, alice.userId, `ed25519:${sskPub}`, sskPub));
    assert.ok(await verifySigned(crossSigned, alice.userId, 'ed25519:ALICEDEV', dev.ed25519), 'self-signature kept');
  });

  it('USK signs another user; a device signs the master key', async () => {
    const signedBob = alice.signUser(bob);
    const usk = alice.publicKey('user_signing');
    assert.ok(await verifySigned(signedBob, alice.userId, `ed25519:${usk}`, usk));
    assert.equal(signedBob.keys[bob.keyId('master')], bob.publicKey('master'));
    alice.signMasterWithDevice(dev);
    assert.ok(await verifySigned(alice.masterKey(), alice.userId, 'ed25519:ALICEDEV', dev.ed25519));
  });

  it('rotateMaster changes the identity and drops old device signatures', async () => {
    const carol = await SimUser.create('@carol:example.org');
    try {
      const d = await carol.addDevice('C1');
      carol.signMasterWithDevice(d);
      const before = carol.publicKey('master');
      const seed = carol.privateSeed('master');
      carol.rotateMaster();
      assert.notEqual(carol.publicKey('master'), before);
      assert.equal(carol.masterKey().signatures, undefined);
      assert.notDeepEqual(carol.privateSeed('master'), seed);
      assert.equal(Buffer.from(carol.privateKeyBase64('master'), 'base64').length, 32);
      const master = carol.publicKey('master');
      assert.ok(await verifySigned(carol.selfSigningKey(), carol.userId, `ed25519:${master}`, master));
    } finally {
      carol.free();
    }
  });

  it('keysQueryResponse lists cross-signed devices and cross-signing keys', async () => {
    const body = keysQueryResponse({
      users: [{ user: alice, includeUserSigningKey: true }, { user: bob, crossSigned: false, devices: [] }, { userId: '@eve:x', devices: [dev.deviceKeys()] }],
      failures: { 'down.example': {} },
    });
    const listed = body.device_keys[alice.userId]!['ALICEDEV']!;
    const sskPub = alice.publicKey('self_signing');
    assert.ok(await verifySigned(listed, alice.userId, `ed25519:${sskPub}`, sskPub));
    assert.deepEqual(body.master_keys[alice.userId], alice.masterKey());
    assert.ok(body.user_signing_keys[alice.userId]);
    assert.equal(body.user_signing_keys[bob.userId], undefined);
    assert.deepEqual(body.device_keys[bob.userId], {});
    assert.equal(body.master_keys['@eve:x'], undefined);
    assert.deepEqual(body.failures, { 'down.example': {} });
  });
});
