/**
 * Our own cross-signing identity in the identities slice, given/when/then: the private
 * keys we hold (`own_cross_signing_keys` facts), whether the identity listed for us is
 * the one we hold, and the verdicts on importing keys and signing. Real ed25519 keys
 * (testkit users); the facts are folded as ingestion would log them.
 */
import { strict as assert } from 'node:assert';
import { ownCrossSigningKeys, ownIdentityTrusted } from '../../../src/index.js';
import type { SimUser } from '../../../src/testkit/index.js';
import { assertTrust, codes, freeAll, ME, only, World } from '../../helpers/slices.js';

const BOB = '@bob:example.org';

describe('identities: our own cross-signing identity', () => {
  let s: World;
  let me: SimUser;
  beforeEach(async () => {
    s = await World.create();
    me = await s.user(ME, 'OTHER');
  });
  afterEach(async () => { await s.free(); freeAll(); });

  const held = (u: SimUser, source = 'bootstrap') => ({
    input_seq: 0, master: u.publicKey('master'), self_signing: u.publicKey('self_signing'), user_signing: u.publicKey('user_signing'), source,
  });
  const listMe = () => s.keysQuery({ user: me, includeUserSigningKey: true });

  it('given our identity listed, when the fact says we hold its keys, then own_cross_signing.keys_held and own_identity.trusted; our cross-signed device is verified', () => {
    listMe();
    assertTrust(s.trust(ME, 'OTHER'), 'cross_signed_tofu', 'cross_signed.pinned_identity');
    const d = s.append('own_cross_signing_keys', held(me, 'secret_storage'));
    assert.deepEqual(codes(d), ['own_cross_signing.keys_held', 'own_identity.trusted']);
    assert.equal(only(d, 'own_cross_signing.keys_held').detail!['source'], 'secret_storage');
    assert.equal(s.identity(ME), 'verified');
    assertTrust(s.trust(ME, 'OTHER'), 'verified', 'cross_signed.verified_identity');
    assert.equal(ownIdentityTrusted(s.state).trusted, true);
    assert.equal(ownCrossSigningKeys(s.state)?.source, 'secret_storage');
  });

  it('given the keys held first, when /keys/query lists them, then own_identity.trusted (once: listing it again decides nothing more)', () => {
    assert.deepEqual(codes(s.append('own_cross_signing_keys', held(me))), ['own_cross_signing.keys_held']);
    assert.equal(ownIdentityTrusted(s.state).trusted, false);
    assert.ok(codes(listMe()).includes('own_identity.trusted'));
    assert.ok(!codes(listMe()).includes('own_identity.trusted'));
  });

  it('when the master key listed for us is not the one we hold, then own_identity.master_mismatch (flagged) and nothing is trusted through the keys we hold', async () => {
    const other = await s.user('@other:example.org');
    listMe();
    const d = s.append('own_cross_signing_keys', { ...held(other), source: 'import' });
    assert.deepEqual(codes(d), ['own_cross_signing.keys_held', 'own_identity.master_mismatch']);
    assert.equal(only(d, 'own_identity.master_mismatch').outcome, 'flagged');
    assert.notEqual(s.identity(ME), 'verified');
    assertTrust(s.trust(ME, 'OTHER'), 'cross_signed_tofu', 'cross_signed.pinned_identity');
  });

  it('import: keys that are not the listed ones are refused (own_cross_signing.import_mismatch), and before any listing (own_cross_signing.import_no_identity)', async () => {
    const other = await s.user('@other:example.org');
    const early = s.append('cross_signing', { kind: 'cross_signing', action: 'import', source: 'secret_send', master: me.publicKey('master') });
    assert.deepEqual(codes(early), ['own_cross_signing.import_no_identity']);
    listMe();
    const wrong = s.append('cross_signing', { kind: 'cross_signing', action: 'import', source: 'secret_send', master: me.publicKey('master'), self_signing: other.publicKey('self_signing') });
    assert.deepEqual(codes(wrong), ['own_cross_signing.import_mismatch']);
    assert.equal(only(wrong, 'own_cross_signing.import_mismatch').detail!['role'], 'self_signing');
    const right = s.append('cross_signing', { kind: 'cross_signing', action: 'import', source: 'secret_send', master: me.publicKey('master'), self_signing: me.publicKey('self_signing') });
    assert.deepEqual(codes(right), []);
  });

  it('sign_device: refused without our self-signing key, for an unknown device, for a device ID equal to a cross-signing key; signed otherwise', async () => {
    listMe();
    const sign = (deviceId: string) => s.append('cross_signing', { kind: 'cross_signing', action: 'sign_device', device_id: deviceId });
    assert.deepEqual(codes(sign('OTHER')), ['cross_sign.no_private_key']);
    s.append('own_cross_signing_keys', held(me));
    assert.deepEqual(codes(sign('NOPE')), ['cross_sign.unknown_device']);
    assert.deepEqual(codes(sign(me.publicKey('master'))), ['cross_sign.key_id_collision']);
    const ok = sign('OTHER');
    assert.deepEqual(codes(ok), ['cross_sign.device_signed']);
    assert.equal(only(ok, 'cross_sign.device_signed').detail!['by'], me.publicKey('self_signing'));
  });

  it('sign_user: refused for an unknown identity and for our own user; signed for a pinned one; refused once the user has a colliding device', async () => {
    const bob = await s.user(BOB, 'BOBDEV');
    listMe();
    s.append('own_cross_signing_keys', held(me));
    const sign = (userId: string) => s.append('cross_signing', { kind: 'cross_signing', action: 'sign_user', user_id: userId });
    assert.deepEqual(codes(sign(BOB)), ['cross_sign.unknown_identity']);
    assert.deepEqual(codes(sign(ME)), ['cross_sign.unknown_identity']);
    s.keysQuery({ user: bob });
    const ok = sign(BOB);
    assert.deepEqual(codes(ok), ['cross_sign.user_signed']);
    assert.equal(only(ok, 'cross_sign.user_signed').detail!['key_id'], bob.publicKey('master'));
    await bob.addDevice(bob.publicKey('master'));
    s.keysQuery({ user: bob });
    assert.deepEqual(codes(sign(BOB)), ['cross_sign.key_id_collision']);
  });
});
