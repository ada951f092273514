import { strict as assert } from 'node:assert';
import { deviceByCurveKey, deviceRecord } from '../../../src/index.js';
import { keysQueryResponse, signJson, SimDevice } from '../../../src/testkit/index.js';
import { assertTrust, codes, copy, freeAll, ME, MY_DEVICE, only, World, user } from '../../helpers/slices.js';

const BOB = '@bob:example.org';

describe('identities: device keys from /keys/query (rules 1 and 8)', () => {
  let s: World;
  beforeEach(async () => { s = await World.create(); });
  afterEach(async () => { await s.free(); freeAll(); });

  it('given a new, self-signed device, when it is listed, then device.added; listed again, no decision', async () => {
    const bob = await user(BOB, 'BOBDEV');
    const first = await s.keysQuery({ user: bob, crossSigned: false });
    const added = only(first, 'device.added');
    assert.equal(added.subject, `device ${BOB} BOBDEV`);
    assert.equal(added.outcome, 'accepted');
    const dev = bob.devices.get('BOBDEV')!;
    assert.deepEqual(deviceByCurveKey(s.state, dev.curve25519), { userId: BOB, deviceId: 'BOBDEV' });
    assert.equal(deviceRecord(s.state, BOB, 'BOBDEV')?.ed25519, dev.ed25519);
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device.not_cross_signed');
    const again = await s.keysQuery({ user: bob, crossSigned: false });
    assert.deepEqual(codes(again), [], 're-listing the same devices decides nothing');
  });

  it('when a device\'s signed content is tampered with, then device_keys.bad_signature, once per distinct object', async () => {
    const bob = await user(BOB, 'BOBDEV');
    const response = keysQueryResponse({ users: [{ user: bob, crossSigned: false }] });
    response.device_keys[BOB]!['BOBDEV']!.algorithms.push('m.evil.v1');
    const d = only(await s.keysQueryBody(response), 'device_keys.bad_signature');
    assert.equal(d.outcome, 'rejected');
    assert.equal(deviceRecord(s.state, BOB, 'BOBDEV'), undefined);
    assert.equal(deviceByCurveKey(s.state, bob.devices.get('BOBDEV')!.curve25519), undefined, 'only validated devices are indexed');
    assertTrust(s.trust(BOB, 'BOBDEV'), 'unverified', 'device_keys.bad_signature');
    assert.deepEqual(codes(await s.keysQueryBody(response)), [], 'the same bad listing is not re-decided');
  });

  it('when the self-signature is made by another device\'s key, then device_keys.bad_signature', async () => {
    const bob = await user(BOB, 'BOBDEV', 'OTHER');
    const keys = bob.devices.get('BOBDEV')!.deviceKeys();
    delete keys.signatures;
    const forged = signJson(bob.devices.get('OTHER')!, keys, BOB, 'ed25519:BOBDEV');
    const d = await s.keysQuery({ userId: BOB, devices: [forged] });
    only(d, 'device_keys.bad_signature');
  });

  it('when a device is listed under another user or device ID, then device_keys.ids_mismatch', async () => {
    const bob = await user(BOB, 'BOBDEV');
    const keys = bob.devices.get('BOBDEV')!.deviceKeys();
    const d = await s.keysQueryBody({ device_keys: { '@mallory:example.org': { BOBDEV: keys }, [BOB]: { OTHERID: keys } } });
    assert.deepEqual(codes(d), ['device_keys.ids_mismatch', 'device_keys.ids_mismatch']);
  });

  it('when a device is malformed, then device_keys.malformed, and its neighbours still count', async () => {
    const bob = await user(BOB, 'GOOD', 'NOKEYS');
    const response = keysQueryResponse({ users: [{ user: bob, crossSigned: false }] });
    const bad = response.device_keys[BOB]!['NOKEYS']!;
    delete bad.keys['curve25519:NOKEYS'];
    (response.device_keys[BOB] as Record<string, unknown>)['JUNK'] = { user_id: BOB, device_id: 'JUNK', keys: 'nope' };
    const d = (await s.keysQueryBody(response)).filter((x) => x.subject.startsWith('device '));
    assert.deepEqual(codes(d).sort(), ['device.added', 'device_keys.malformed', 'device_keys.malformed']);
    assert.ok(d.find((x) => x.subject.endsWith('JUNK'))!.detail!['error']!.toString().includes('algorithms'));
  });

  it('given a known device, when its ed25519 or curve25519 key changes, then device_keys.changed and the device is blocked', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob, crossSigned: false });
    const impostor = await SimDevice.create(BOB, 'BOBDEV');
    try {
      const d = only(await s.keysQuery({ userId: BOB, devices: [impostor] }), 'device_keys.changed');
      assert.equal(d.outcome, 'rejected');
      assert.deepEqual(d.because, [1], 'rests on the entry that listed the original keys');
      assert.equal(deviceRecord(s.state, BOB, 'BOBDEV')!.ed25519, bob.devices.get('BOBDEV')!.ed25519, 'the original keys stay');
      assertTrust(s.trust(BOB, 'BOBDEV'), 'blocked', 'device_keys.changed');
      assert.equal(deviceByCurveKey(s.state, impostor.curve25519), undefined);
      assert.deepEqual(codes(await s.keysQuery({ userId: BOB, devices: [impostor] })), [], 'recorded once');
    } finally {
      impostor.free();
    }
  });

  it('when the server lists other keys for our own device, then device_keys.changed', async () => {
    const impostor = await SimDevice.create(ME, MY_DEVICE);
    try {
      only(await s.keysQuery({ userId: ME, devices: [impostor] }), 'device_keys.changed');
      assertTrust(s.trust(ME, MY_DEVICE), 'verified', 'device.own');
      assert.deepEqual(codes(await s.keysQuery({ userId: ME, devices: [s.myDeviceKeys()] })), ['device.added']);
    } finally {
      impostor.free();
    }
  });

  it('when a new device claims a curve25519 key another device owns, then device_keys.duplicate_curve_key', async () => {
    const bob = await user(BOB, 'BOBDEV');
    const mallory = await user('@mallory:example.org', 'MALDEV');
    await s.keysQuery({ user: bob, crossSigned: false });
    const dev = mallory.devices.get('MALDEV')!;
    const claimed = dev.deviceKeys();
    delete claimed.signatures;
    claimed.keys['curve25519:MALDEV'] = bob.devices.get('BOBDEV')!.curve25519;
    const d = only(await s.keysQuery({ userId: mallory.userId, devices: [signJson(dev, claimed, mallory.userId, 'ed25519:MALDEV')] }), 'device_keys.duplicate_curve_key');
    assert.equal(d.detail!['owner'], `${BOB} BOBDEV`);
    assert.deepEqual(deviceByCurveKey(s.state, bob.devices.get('BOBDEV')!.curve25519), { userId: BOB, deviceId: 'BOBDEV' });
  });

  it('when a device disappears from a later listing of its user, then device.deleted; it is kept, and may come back', async () => {
    const bob = await user(BOB, 'ONE', 'TWO');
    await s.keysQuery({ user: bob, crossSigned: false });
    const d = only(await s.keysQuery({ userId: BOB, devices: [bob.devices.get('ONE')!] }), 'device.deleted');
    assert.equal(d.subject, `device ${BOB} TWO`);
    assert.ok(deviceRecord(s.state, BOB, 'TWO')?.deleted, 'marked, not forgotten');
    assertTrust(s.trust(BOB, 'TWO'), 'unverified', 'device.deleted');
    const back = only(await s.keysQuery({ user: bob, crossSigned: false }), 'device.added');
    assert.equal(back.detail!['reappeared'], true);
    assert.equal(deviceRecord(s.state, BOB, 'TWO')?.deleted, null);
  });

  it('failures and users missing from a response change nothing', async () => {
    const bob = await user(BOB, 'BOBDEV');
    await s.keysQuery({ user: bob });
    const before = JSON.stringify(s.state['identities']);
    const d = await s.keysQueryBody({ device_keys: {}, master_keys: {}, failures: { 'example.org': { errcode: 'M_UNKNOWN' } } });
    assert.deepEqual(codes(d), []);
    assert.equal(JSON.stringify(s.state['identities']), before);
    const carol = await user('@carol:example.org', 'C');
    await s.keysQuery({ user: carol });
    assert.ok(deviceRecord(s.state, BOB, 'BOBDEV')?.deleted === null, 'bob was not in the response: his device stays');
    assert.deepEqual(codes(await s.keysQueryBody(copy({ master_keys: {}, failures: {} }))), []);
  });
});
