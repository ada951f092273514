import { strict as assert } from 'node:assert';
import { identityDetail } from '../../../src/index.js';
import { assertTrust, codes, freeAll, listing, only, user, userAction, World } from '../../helpers/slices.js';

const BOB = '@bob:example.org';

describe('identities: master keys pinned on first use (rule 4)', () => {
  let s: World;
  beforeEach(async () => { s = await World.create(); });
  afterEach(async () => { await s.free(); freeAll(); });

  it('given no master key yet, when one is listed, then identity.pinned', async () => {
    const bob = await user(BOB, 'BOBDEV');
    assert.equal(s.identity(BOB), 'unknown');
    const d = only(await s.keysQuery({ user: bob }), 'identity.pinned');
    assert.equal(d.subject, `user ${BOB}`);
    assert.equal(s.identity(BOB), 'pinned');
    assert.deepEqual(codes(await s.keysQuery({ user: bob })), [], 'the same master key again decides nothing');
  });

  it('given a pinned identity, when the master key changes, then identity.changed; nothing from the new key is trusted until approve_identity', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob });
    const oldMaster = bob.publicKey('master');
    bob.rotateMaster();
    const d = await s.keysQuery({ user: bob });
    const changed = only(d, 'identity.changed');
    assert.equal(changed.outcome, 'flagged');
    assert.deepEqual(changed.because, [1]);
    assert.equal(changed.detail!['from'], oldMaster);
    assert.equal(changed.detail!['to'], bob.publicKey('master'));
    assert.ok(!codes(d).includes('identity.verification_violation'), 'a plain change is not a verification violation');
    assert.equal(s.identity(BOB), 'pin_violation');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'identity.changed');
    assert.equal(identityDetail(s.state, BOB).pinnedKey, oldMaster);

    only(await s.action('approve_identity', { user_id: BOB, master_key: oldMaster }), 'identity.approval_refused');
    assert.equal(s.identity(BOB), 'pin_violation');
    const approved = only(await s.action('approve_identity', { user_id: BOB, master_key: bob.publicKey('master') }), 'identity.approved');
    assert.deepEqual(approved.because, [2]);
    assert.equal(s.identity(BOB), 'pinned');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'cross_signed_tofu');
  });

  it('when only the master key changes (subkeys kept, re-signed), the devices still wait for approval', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob });
    bob.rotateMaster({ keepSubkeys: true });
    only(await s.keysQuery({ user: bob }), 'identity.changed');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'identity.changed');
  });

  it('given a verified user, when the master key changes, then identity.verification_violation as well', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob });
    const verified = only(await s.action('verify_identity', { user_id: BOB, master_key: bob.publicKey('master') }), 'identity.verified');
    assert.equal(verified.seq, 2);
    assertTrust(s.trust(BOB, 'BOBDEV'), 'verified', 'cross_signed.verified_identity');
    bob.rotateMaster();
    const d = await s.keysQuery({ user: bob });
    only(d, 'identity.changed');
    assert.deepEqual(only(d, 'identity.verification_violation').because, [2], 'rests on the verification');
    assert.equal(s.identity(BOB), 'verification_violation');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'identity.verification_violation');
    const approved = only(await s.action('approve_identity', { user_id: BOB, master_key: bob.publicKey('master') }), 'identity.approved');
    assert.equal(approved.detail!['was_verified'], true);
    assert.equal(s.identity(BOB), 'pinned', 'the verification of the old key does not carry over');
  });

  it('a verification of the new key resolves a change (it pins the key it verified)', async () => {
    const bob = await user(BOB, 'BOBDEV');
    s.given(listing({ user: bob }));
    bob.rotateMaster();
    const d = only(
      s.given(listing({ user: bob }))
        .when(userAction('verify_identity', { user_id: BOB, master_key: bob.publicKey('master') }))
        .then({
          codes: ['identity.verified'],
          state: () => {
            assert.equal(s.identity(BOB), 'verified');
            assertTrust(s.trust(BOB, 'BOBDEV'), 'verified');
          },
        }),
      'identity.verified',
    );
    assert.equal(d.detail!['resolved_change'], true);
  });

  it('approve_identity for an unknown user, or with nothing to approve', async () => {
    s.given().when(userAction('approve_identity', { user_id: BOB, master_key: 'x' })).then({ codes: ['identity.approval_refused'] });
    const bob = await user(BOB);
    await s.keysQuery({ user: bob });
    assert.equal(only(await s.action('approve_identity', { user_id: BOB, master_key: bob.publicKey('master') }), 'identity.approved').detail!['unchanged'], true);
  });
});
