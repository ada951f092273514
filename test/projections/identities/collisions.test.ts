import { strict as assert } from 'node:assert';
import { identityDetail } from '../../../src/index.js';
import { keysQueryResponse, type SimUser } from '../../../src/testkit/index.js';
import { assertTrust, codes, freeAll, ME, only, World, user } from '../../helpers/slices.js';

const BOB = '@bob:example.org';
const COLLIDES = 'device_id_collides_with_cross_signing_key';

describe('identities: device IDs that collide with cross-signing keys (rule 6)', () => {
  let s: World;
  beforeEach(async () => { s = await World.create(); });
  afterEach(async () => { await s.free(); freeAll(); });

  it('given a device whose ID is its user\'s master public key, then it is flagged, blocked, and verifying the user is refused', async () => {
    const bob = await user(BOB, 'BOBDEV');
    const master = bob.publicKey('master');
    await bob.addDevice(master);
    const d = await s.keysQuery({ user: bob });
    const flagged = only(d, COLLIDES);
    assert.equal(flagged.outcome, 'flagged');
    assert.equal(flagged.subject, `device ${BOB} ${master}`);
    assert.equal(flagged.detail!['role'], 'master');
    assertTrust(s.trust(BOB, master), 'blocked', COLLIDES);
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', COLLIDES);

    const refused = only(await s.action('verify_identity', { user_id: BOB, master_key: master }), 'identity.verification_refused');
    assert.deepEqual(refused.because, [1]);
    assert.equal(s.identity(BOB), 'pinned');
    only(await s.action('verify_device', { user_id: BOB, device_id: master, ed25519: bob.devices.get(master)!.ed25519 }), 'device.verification_refused');
    assertTrust(s.trust(BOB, master), 'blocked');
    assert.deepEqual(codes(await s.keysQuery({ user: bob })), [], 'flagged once');
  });

  it('given such a device listed first, when the cross-signing key arrives, then it is flagged then', async () => {
    const bob = await user(BOB);
    const ssk = bob.publicKey('self_signing');
    await bob.addDevice(ssk);
    await s.keysQuery({ userId: BOB, devices: [bob.devices.get(ssk)!] });
    assertTrust(s.trust(BOB, ssk), 'unverified');
    const flagged = only(await s.keysQuery({ user: bob }), COLLIDES);
    assert.equal(flagged.detail!['role'], 'self_signing');
    assert.deepEqual(flagged.because, [1]);
    assertTrust(s.trust(BOB, ssk), 'blocked', COLLIDES);
  });

  it('a device whose ID is a pinned (no longer current) master key is flagged too', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob });
    const pinned = bob.publicKey('master');
    bob.rotateMaster();
    await s.keysQuery({ user: bob });
    await bob.addDevice(pinned);
    assert.equal(only(await s.keysQuery({ user: bob }), COLLIDES).detail!['role'], 'pinned master');
  });

  describe('while a collision stands, nothing of the user is verified, by any path', () => {
    let me: SimUser;
    let bob: SimUser;
    beforeEach(async () => {
      me = await user(ME, 'LAPTOP');
      bob = await user(BOB, 'BOBDEV');
    });

    /** Our identity with its user-signing key and Bob's master key signed by it; `extra` devices of Bob listed too. */
    const listBoth = () => s.keysQueryBody(keysQueryResponse({
      users: [
        { user: me, devices: [s.myDeviceKeys()], includeUserSigningKey: true },
        { user: bob, masterKey: me.signUser(bob) },
      ],
    }));
    const verifyMe = async () => only(await s.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') }), 'identity.verified');
    /** Bob gets a device whose ID is his self-signing public key, and the server lists it. */
    const collide = async () => {
      const ssk = bob.publicKey('self_signing');
      await bob.addDevice(ssk);
      return { ssk, d: await listBoth() };
    };
    const assertNotVerified = (flagSeq: number) => {
      const id = identityDetail(s.state, BOB);
      assert.deepEqual([id.level, id.reason, id.seq], ['pinned', COLLIDES, flagSeq], 'the identity says why');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', COLLIDES);
      assert.equal(s.trust(BOB, 'BOBDEV').seq, flagSeq);
    };

    it('given our user-signing key signs Bob\'s master key, when his devices collide, then he is not verified through that signature (device_id_collides_with_cross_signing_key)', async () => {
      await listBoth();
      await verifyMe();
      assert.equal(s.identity(BOB), 'verified', 'verified through our user-signing key before');
      const { ssk, d } = await collide();
      const flag = only(d, COLLIDES);
      // Its self-signature and the self-signing key's signature share one key ID: one overwrites the other.
      assert.deepEqual(codes(d), ['device_keys.bad_signature', COLLIDES], 'nothing else');
      assertNotVerified(flag.seq);
      assertTrust(s.trust(BOB, ssk), 'blocked', COLLIDES);
    });

    it('given Bob verified by the user, when a collision appears later, then the earlier verification no longer counts (device_id_collides_with_cross_signing_key)', async () => {
      await s.keysQuery({ user: bob });
      only(await s.action('verify_identity', { user_id: BOB, master_key: bob.publicKey('master') }), 'identity.verified');
      assert.equal(s.identity(BOB), 'verified');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'verified', 'cross_signed.verified_identity');
      const ssk = bob.publicKey('self_signing');
      await bob.addDevice(ssk);
      const d = await s.keysQuery({ user: bob });
      const flag = only(d, COLLIDES);
      assertNotVerified(flag.seq);
      // And verifying again is refused while the flag stands.
      only(await s.action('verify_identity', { user_id: BOB, master_key: bob.publicKey('master') }), 'identity.verification_refused');
      assertNotVerified(flag.seq);
    });

    it('given a device verified with verify_device, when its user gets a colliding device, then that device is no longer verified (device_id_collides_with_cross_signing_key)', async () => {
      await s.keysQuery({ user: bob, crossSigned: false });
      only(await s.action('verify_device', { user_id: BOB, device_id: 'BOBDEV', ed25519: bob.devices.get('BOBDEV')!.ed25519 }), 'device.verified');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'verified', 'device.verified');
      const master = bob.publicKey('master');
      await bob.addDevice(master);
      const flag = only(await s.keysQuery({ user: bob, crossSigned: false }), COLLIDES);
      assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', COLLIDES);
      const refused = only(await s.action('verify_device', { user_id: BOB, device_id: 'BOBDEV', ed25519: bob.devices.get('BOBDEV')!.ed25519 }), 'device.verification_refused');
      assert.ok(refused.because.includes(flag.seq), 'the refusal rests on the flag');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', COLLIDES);
    });

    it('given a colliding user whose devices are cross-signed and whose identity our verified user-signing key signs, then no cross-signed device is verified (device_id_collides_with_cross_signing_key)', async () => {
      const { ssk, d } = await collide();
      const flag = only(d, COLLIDES);
      await verifyMe();
      assertNotVerified(flag.seq);
      for (const deviceId of ['BOBDEV', ssk]) assert.notEqual(s.trust(BOB, deviceId).level, 'verified', deviceId);
      assert.notEqual(s.trust(BOB, 'BOBDEV').level, 'cross_signed_tofu', 'not even trust on first use');
    });

    it('given our own user has a colliding device, then no one is verified through our user-signing key, and the selectors say why (device_id_collides_with_cross_signing_key)', async () => {
      await listBoth();
      await verifyMe();
      assert.equal(s.identity(BOB), 'verified');
      const ours = me.publicKey('master');
      await me.addDevice(ours);
      const d = await s.keysQueryBody(keysQueryResponse({
        users: [
          { user: me, devices: [s.myDeviceKeys(), me.devices.get(ours)!], includeUserSigningKey: true },
          { user: bob, masterKey: me.signUser(bob) },
        ],
      }));
      const flag = only(d, COLLIDES);
      assert.equal(flag.subject, `device ${ME} ${ours}`);
      assert.deepEqual(codes(d), ['device.added', 'device.cross_signed', COLLIDES], 'nothing else');
      assert.equal(identityDetail(s.state, ME).reason, COLLIDES);
      const id = identityDetail(s.state, BOB);
      assert.deepEqual([id.level, id.reason, id.seq], ['pinned', COLLIDES, flag.seq], 'Bob is not verified, and the answer says why');
      // Bob's own keys are not in question: his devices are what a pinned identity's are.
      assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu', 'cross_signed.pinned_identity');
    });
  });
});
