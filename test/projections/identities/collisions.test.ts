import { strict as assert } from 'node:assert';
import { assertTrust, codes, freeAll, only, Scenario, user } from './harness.js';

const BOB = '@bob:example.org';
const COLLIDES = 'device_id_collides_with_cross_signing_key';

describe('identities: device IDs that collide with cross-signing keys (rule 6)', () => {
  let s: Scenario;
  beforeEach(async () => { s = await Scenario.start(); });
  afterEach(async () => { await s.close(); freeAll(); });

  it('given a device whose ID is its user\'s master public key, then it is flagged, blocked, and verifying the user is refused', async () => {
    const bob = await user(BOB, 'BOBDEV');
    const master = bob.publicKey('master');
    await bob.addDevice(master);
    const d = await s.listUsers({ user: bob });
    const flagged = only(d, COLLIDES);
    assert.equal(flagged.outcome, 'flagged');
    assert.equal(flagged.subject, `device ${BOB} ${master}`);
    assert.equal(flagged.detail!['role'], 'master');
    assertTrust(s.trust(BOB, master), 'blocked', COLLIDES);
    assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu', 'cross_signed.pinned_identity');

    const refused = only(await s.action('verify_identity', { user_id: BOB, master_key: master }), 'identity.verification_refused');
    assert.deepEqual(refused.because, [1]);
    assert.equal(s.identity(BOB), 'pinned');
    only(await s.action('verify_device', { user_id: BOB, device_id: master, ed25519: bob.devices.get(master)!.ed25519 }), 'device.verification_refused');
    assertTrust(s.trust(BOB, master), 'blocked');
    assert.deepEqual(codes(await s.listUsers({ user: bob })), [], 'flagged once');
  });

  it('given such a device listed first, when the cross-signing key arrives, then it is flagged then', async () => {
    const bob = await user(BOB);
    const ssk = bob.publicKey('self_signing');
    await bob.addDevice(ssk);
    await s.listUsers({ userId: BOB, devices: [bob.devices.get(ssk)!] });
    assertTrust(s.trust(BOB, ssk), 'unverified');
    const flagged = only(await s.listUsers({ user: bob }), COLLIDES);
    assert.equal(flagged.detail!['role'], 'self_signing');
    assert.deepEqual(flagged.because, [1]);
    assertTrust(s.trust(BOB, ssk), 'blocked', COLLIDES);
  });

  it('a device whose ID is a pinned (no longer current) master key is flagged too', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.listUsers({ user: bob });
    const pinned = bob.publicKey('master');
    bob.rotateMaster();
    await s.listUsers({ user: bob });
    await bob.addDevice(pinned);
    assert.equal(only(await s.listUsers({ user: bob }), COLLIDES).detail!['role'], 'pinned master');
  });
});
