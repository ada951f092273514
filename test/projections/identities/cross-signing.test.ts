import { strict as assert } from 'node:assert';
import { identityDetail } from '../../../src/index.js';
import { keysQueryResponse, type KeysQueryResponse } from '../../../src/testkit/index.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, type RustIdentity, type RustSdk } from '../../interop/rust.js';
import { assertTrust, codes, freeAll, only, World, user } from '../../helpers/slices.js';

const BOB = '@bob:example.org';

describe('identities: cross-signing keys (rule 2)', () => {
  let s: World;
  beforeEach(async () => { s = await World.create(); });
  afterEach(async () => { await s.free(); freeAll(); });

  describe('with the Rust SDK\'s real identity', () => {
    const rustUser = '@rust:example.org';
    let machine: RustSdk.OlmMachine;
    let identity: RustIdentity;
    before(async () => {
      machine = await createRustDevice(rustUser, 'RUSTDEV');
      await rustKeysUpload(machine);
      identity = await rustBootstrapCrossSigning(machine);
    });
    after(() => machine.close());

    it('given a bootstrapped Rust identity, when it is listed, then it is pinned and its device cross-signed (cross_signed_tofu)', async () => {
      const d = await s.keysQueryBody(rustKeysQueryResponse([identity]));
      assert.deepEqual(codes(d), ['identity.pinned', 'cross_signing.subkey_accepted', 'device.added', 'device.cross_signed']);
      const master = Object.values(identity.masterKey!.keys)[0]!;
      const ssk = Object.values(identity.selfSigningKey!.keys)[0]!;
      assert.equal(only(d, 'identity.pinned').detail!['master'], master);
      assert.equal(only(d, 'device.cross_signed').detail!['self_signing_key'], ssk);
      assert.equal(s.identity(rustUser), 'pinned');
      assertTrust(s.trust(rustUser, 'RUSTDEV'), 'cross_signed_tofu', 'cross_signed.pinned_identity');
      assert.equal(identityDetail(s.state, rustUser).masterKey, master);
    });

    it('when the Rust device\'s self-signing signature is tampered with, then it is not cross-signed', async () => {
      const response = rustKeysQueryResponse([identity]);
      const ssk = Object.values(identity.selfSigningKey!.keys)[0]!;
      const sigs = response.device_keys[rustUser]!['RUSTDEV']!.signatures![rustUser]!;
      const own = sigs['ed25519:RUSTDEV']!;
      sigs[`ed25519:${ssk}`] = own; // a valid signature, by the wrong key
      const d = await s.keysQueryBody(response);
      assert.ok(!codes(d).includes('device.cross_signed'));
      assertTrust(s.trust(rustUser, 'RUSTDEV'), 'unverified', 'device.not_cross_signed');
    });
  });

  /** Bob listed with his master key changed by `tamper`. */
  async function bobWithMaster(tamper: (r: KeysQueryResponse) => void) {
    const bob = await user(BOB, 'BOBDEV');
    const response = keysQueryResponse({ users: [{ user: bob }] });
    tamper(response);
    return { bob, decisions: await s.keysQueryBody(response) };
  }

  it('when a master key has another usage, then cross_signing.wrong_usage and nothing is pinned', async () => {
    const { decisions } = await bobWithMaster((r) => { r.master_keys[BOB]!.usage = ['self_signing']; });
    assert.equal(only(decisions, 'cross_signing.wrong_usage').detail!['role'], 'master');
    only(decisions, 'cross_signing.not_signed_by_master');
    assert.equal(s.identity(BOB), 'unknown');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device.not_cross_signed');
  });

  it('when a master key names another user, then cross_signing.wrong_user', async () => {
    const { decisions } = await bobWithMaster((r) => { r.master_keys[BOB]!.user_id = '@mallory:example.org'; });
    only(decisions, 'cross_signing.wrong_user');
    assert.equal(s.identity(BOB), 'unknown');
  });

  it('when a cross-signing key holds two keys, then cross_signing.not_one_key', async () => {
    const other = await user('@carol:example.org');
    const { decisions } = await bobWithMaster((r) => { Object.assign(r.master_keys[BOB]!.keys, other.masterKey().keys); });
    only(decisions, 'cross_signing.not_one_key');
  });

  it('when a key ID is not ed25519:<its public key>, then cross_signing.malformed', async () => {
    const { decisions } = await bobWithMaster((r) => {
      const [pub] = Object.values(r.master_keys[BOB]!.keys);
      r.master_keys[BOB]!.keys = { 'ed25519:BOBDEV': pub! };
    });
    only(decisions, 'cross_signing.malformed');
    const garbage = await s.keysQueryBody({ master_keys: { [BOB]: { user_id: BOB, usage: 'master' } } });
    only(garbage, 'cross_signing.malformed');
  });

  it('when a self-signing key is signed by another master key, then cross_signing.not_signed_by_master and no device is cross-signed', async () => {
    const impostor = await user(BOB);
    const { decisions } = await bobWithMaster((r) => { r.self_signing_keys[BOB] = impostor.selfSigningKey(); });
    only(decisions, 'cross_signing.not_signed_by_master');
    assert.ok(!codes(decisions).includes('device.cross_signed'));
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device.not_cross_signed');
  });

  it('given a device listed before it was cross-signed, when the signature appears, then device.cross_signed', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob, crossSigned: false });
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device.not_cross_signed');
    const d = only(await s.keysQuery({ user: bob }), 'device.cross_signed');
    assert.deepEqual(d.because, [1]);
    assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu');
  });

  it('when the self-signing key is replaced, then cross_signing.subkey_accepted and devices are re-checked against the new key', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob });
    const next = await user(BOB);
    const response = keysQueryResponse({ users: [{ user: bob, crossSigned: false }] });
    response.self_signing_keys[BOB] = bob.signAs('master', next.selfSigningKey());
    response.device_keys[BOB]!['BOBDEV'] = bob.crossSign(response.device_keys[BOB]!['BOBDEV']!); // signed by the old key only
    const d = await s.keysQueryBody(response);
    assert.equal(only(d, 'cross_signing.subkey_accepted').detail!['previous'], bob.publicKey('self_signing'));
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device.not_cross_signed');
    response.device_keys[BOB]!['BOBDEV'] = next.crossSign(response.device_keys[BOB]!['BOBDEV']!);
    only(await s.keysQueryBody(response), 'device.cross_signed');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu');
  });
});
