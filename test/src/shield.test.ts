/**
 * The shield table of the README, row by row, on states folded from real olm peers: given
 * Alice's session and what became of her device and identity, then this shield.
 */
import { strict as assert } from 'node:assert';
import { sessionProvenance } from '../../projections/megolm/selectors.js';
import { shieldOf } from '../../src/shield.js';
import { SimDevice, type SimOutboundGroupSession, type SimUser } from '../../src/testkit/index.js';
import { ALICE, ME, ROOM, World } from '../helpers/slices.js';

describe('shield: what a UI shows beside a room event', () => {
  let w: World;
  let alice: SimUser;
  let a1: SimDevice;
  let out: SimOutboundGroupSession;

  beforeEach(async () => {
    w = await World.create();
    ({ user: alice, device: a1, out } = await w.sender(ALICE, 'A1', ROOM));
  });
  afterEach(() => w.free());

  const shield = (refusals: string[] = []) => {
    const s = shieldOf(w.state, refusals, sessionProvenance(w.state, ROOM, a1.curve25519, out.sessionId));
    return [s.color, s.code];
  };

  it('none for a cross-signed sender; red for what the rules refused, most serious first', () => {
    w.keysQuery({ user: alice });
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    assert.deepEqual(shield(), ['none', null]);
    assert.deepEqual(shield(['megolm.replayed_index', 'megolm.sender_mismatch']), ['red', 'mismatched_sender']);
    assert.deepEqual(shield(['megolm.room_mismatch']), ['red', 'room_mismatch']);
    assert.deepEqual(shield(['megolm.replayed_index']), ['red', 'replayed_index']);
    assert.deepEqual(shieldOf(w.state, [], undefined), { color: 'none', code: null, message: null }, 'no session: nothing to vouch for');
  });

  it('red unknown_device before the device is listed, red mismatched_identity_keys when it is listed with other keys', async () => {
    const other = await SimDevice.create(ALICE, 'OTHER');
    try {
      w.sendOlm(a1, 'm.room_key', out.roomKeyContent(), { senderDeviceKeys: false, plaintext: { keys: { ed25519: other.ed25519 } } });
      assert.deepEqual(shield(), ['red', 'unknown_device']);
      w.keysQuery({ user: alice });
      assert.deepEqual(shield(), ['red', 'mismatched_identity_keys']);
    } finally {
      other.free();
    }
  });

  it('grey authenticity_not_guaranteed for a forwarded session', async () => {
    const me = await w.user(ME, 'LAPTOP');
    const laptop = me.devices.get('LAPTOP')!;
    w.ownDevices(me, [laptop], [laptop]);
    w.keysQuery({ user: alice });
    w.requestKey(ROOM, a1.curve25519, out.sessionId);
    w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0));
    assert.deepEqual(shield(), ['grey', 'authenticity_not_guaranteed']);
  });

  it('red unsigned_device for a device its owner did not cross-sign', () => {
    w.keysQuery({ user: alice, crossSigned: false });
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    assert.deepEqual(shield(), ['red', 'unsigned_device']);
  });

  it('grey unverified_identity after an unapproved identity change', () => {
    w.keysQuery({ user: alice });
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    alice.rotateMaster();
    w.keysQuery({ user: alice });
    assert.deepEqual(shield(), ['grey', 'unverified_identity']);
  });

  it('red verification_violation when a verified identity changes', () => {
    w.keysQuery({ user: alice });
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    w.action('verify_identity', { user_id: ALICE, master_key: alice.publicKey('master') });
    assert.deepEqual(shield(), ['none', null]);
    alice.rotateMaster();
    w.keysQuery({ user: alice });
    assert.deepEqual(shield(), ['red', 'verification_violation']);
  });

  it('red blocked_device when the server lists other keys under the device ID', async () => {
    w.keysQuery({ user: alice });
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    const impostor = await SimDevice.create(ALICE, 'A1');
    try {
      w.keysQuery({ user: alice, devices: [impostor] });
      assert.deepEqual(shield(), ['red', 'blocked_device']);
    } finally {
      impostor.free();
    }
  });
});
