import { strict as assert } from 'node:assert';
import { isOwnVerifiedDevice } from '../../../src/index.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, type RustSdk } from '../../interop/rust.js';
import { mergeKeysQueryResponses, keysQueryResponse, type SimUser } from '../../../src/testkit/index.js';
import { assertTrust, codes, freeAll, ME, MY_DEVICE, only, World, user } from '../../helpers/slices.js';

const BOB = '@bob:example.org';

describe('identities: the user\'s own verifications (rules 3 and 5)', () => {
  let s: World;
  beforeEach(async () => { s = await World.create(); });
  afterEach(async () => { await s.free(); freeAll(); });

  describe('verify_device', () => {
    it('with the device\'s current ed25519 key: device.verified, pinned to that key', async () => {
      const bob = await user(BOB, 'BOBDEV');
      await s.keysQuery({ user: bob, crossSigned: false });
      const d = only(await s.action('verify_device', { user_id: BOB, device_id: 'BOBDEV', ed25519: bob.devices.get('BOBDEV')!.ed25519 }), 'device.verified');
      assert.deepEqual(d.because, [1]);
      assertTrust(s.trust(BOB, 'BOBDEV'), 'verified', 'device.verified');
      bob.rotateMaster();
      await s.keysQuery({ user: bob });
      assertTrust(s.trust(BOB, 'BOBDEV'), 'verified', 'device.verified');
    });

    it('with a wrong key: device.verification_refused, and the device stays unverified', async () => {
      const bob = await user(BOB, 'BOBDEV', 'OTHER');
      await s.keysQuery({ user: bob, crossSigned: false });
      const d = only(await s.action('verify_device', { user_id: BOB, device_id: 'BOBDEV', ed25519: bob.devices.get('OTHER')!.ed25519 }), 'device.verification_refused');
      assert.equal(d.outcome, 'rejected');
      assert.deepEqual(d.because, [1]);
      assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device.not_cross_signed');
      only(await s.action('verify_device', { user_id: BOB, device_id: 'NOPE', ed25519: 'x' }), 'device.verification_refused');
    });
  });

  describe('verify_identity', () => {
    it('with a key that is not the current master key: identity.verification_refused', async () => {
      const bob = await user(BOB, 'BOBDEV');
      await s.keysQuery({ user: bob });
      const d = only(await s.action('verify_identity', { user_id: BOB, master_key: bob.publicKey('self_signing') }), 'identity.verification_refused');
      assert.equal(d.detail!['reason'], 'not the current master key');
      assert.equal(s.identity(BOB), 'pinned');
      only(await s.action('verify_identity', { user_id: '@nobody:example.org', master_key: 'x' }), 'identity.verification_refused');
    });
  });

  describe('our user-signing key signs another user\'s master key', () => {
    let me: SimUser;
    let bob: SimUser;
    beforeEach(async () => {
      me = await user(ME, 'LAPTOP');
      bob = await user(BOB, 'BOBDEV');
    });

    /** Our identity (our ledger device and LAPTOP cross-signed, user-signing key listed) and Bob's master key signed by it. */
    async function listBoth() {
      return s.keysQueryBody(keysQueryResponse({
        users: [
          { user: me, devices: [s.myDeviceKeys(), me.devices.get('LAPTOP')!], includeUserSigningKey: true },
          { user: bob, masterKey: me.signUser(bob) },
        ],
      }));
    }

    it('records cross_signing.user_signed; the user is verified once our own identity is, and their cross-signed devices with it', async () => {
      const d = await listBoth();
      only(d, 'cross_signing.user_signed');
      assert.equal(s.identity(BOB), 'pinned', 'not before our own identity is trusted');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu');
      assertTrust(s.trust(ME, 'LAPTOP'), 'cross_signed_tofu');
      assert.equal(isOwnVerifiedDevice(s.state, ME, 'LAPTOP'), false);
      assert.equal(isOwnVerifiedDevice(s.state, ME, MY_DEVICE), true);

      only(await s.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') }), 'identity.verified');
      assert.equal(s.identity(ME), 'verified');
      assert.equal(s.identity(BOB), 'verified');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'verified', 'cross_signed.verified_identity');
      assert.equal(isOwnVerifiedDevice(s.state, ME, 'LAPTOP'), true);
      assert.equal(isOwnVerifiedDevice(s.state, BOB, 'BOBDEV'), false, 'not our user');
      assert.deepEqual(codes(await listBoth()), [], 'listing the same again decides nothing');
    });

    it('when our own master key changes, our identity is in violation and the users it verified are no longer verified', async () => {
      await listBoth();
      await s.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });
      me.rotateMaster();
      const d = await s.keysQuery({ user: me, devices: [s.myDeviceKeys(), me.devices.get('LAPTOP')!], includeUserSigningKey: true });
      only(d, 'identity.verification_violation');
      assert.equal(s.identity(ME), 'verification_violation');
      assert.equal(s.identity(BOB), 'pinned');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu');
    });

    it('when our user-signing key is replaced, every other user\'s master key is re-checked against the new one', async () => {
      const next = await user(ME);
      await s.keysQuery({ user: me, devices: [s.myDeviceKeys()], includeUserSigningKey: true }, { user: bob, masterKey: next.signUser(bob) });
      await s.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });
      assert.equal(s.identity(BOB), 'pinned', 'signed by a user-signing key that is not ours (yet)');
      const response = keysQueryResponse({ users: [{ user: me, devices: [s.myDeviceKeys()], includeUserSigningKey: true }] });
      response.user_signing_keys[ME] = me.signAs('master', next.userSigningKey());
      const d = await s.keysQueryBody(response);
      assert.equal(only(d, 'cross_signing.subkey_accepted').detail!['role'], 'user_signing');
      assert.equal(only(d, 'cross_signing.user_signed').subject, `user ${BOB}`);
      assert.equal(s.identity(BOB), 'verified');
    });

    it('the Rust SDK\'s identity, signed by our user-signing key, comes out verified', async () => {
      const machine: RustSdk.OlmMachine = await createRustDevice('@rust:example.org', 'RUSTDEV');
      try {
        await rustKeysUpload(machine);
        const identity = await rustBootstrapCrossSigning(machine);
        identity.masterKey = me.signUser(identity.masterKey!);
        const response = mergeKeysQueryResponses(
          keysQueryResponse({ users: [{ user: me, devices: [s.myDeviceKeys()], includeUserSigningKey: true }] }),
          rustKeysQueryResponse([identity]),
        );
        only(await s.keysQueryBody(response), 'cross_signing.user_signed');
        await s.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });
        assert.equal(s.identity('@rust:example.org'), 'verified');
        assertTrust(s.trust('@rust:example.org', 'RUSTDEV'), 'verified', 'cross_signed.verified_identity');
      } finally {
        machine.close();
      }
    });
  });
});
