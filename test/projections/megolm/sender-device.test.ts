/**
 * A room key that arrives before its sender's device is known (a common /sync order):
 * given Alice's real `m.room_key` over Olm from a device no /keys/query has listed yet,
 * when a /keys/query lists that device, then the session is authenticated in the fold of
 * that entry (room_key.sender_device_confirmed) — or, when the listing contradicts what
 * the Olm payload claimed, it stays unauthenticated (room_key.sender_device_mismatch).
 */
import { strict as assert } from 'node:assert';
import { megolmSession } from '../../../projections/megolm/selectors.js';
import { stateHash } from '../../../src/runtime/projector.js';
import type { SimDevice, SimOutboundGroupSession, SimUser } from '../../../src/testkit/index.js';
import { ALICE, codes, only, ROOM, World } from '../../helpers/slices.js';

const MALLORY = '@mallory:example.org';

describe('megolm: a session whose sender device is listed later', () => {
  let w: World;
  let alice: SimUser;
  let a1: SimDevice;
  let out: SimOutboundGroupSession;

  beforeEach(async () => {
    w = await World.create();
    ({ user: alice, device: a1, out } = await w.sender(ALICE, 'A1', ROOM));
  });
  afterEach(() => w.free());

  const session = () => megolmSession(w.state, ROOM, a1.curve25519, out.sessionId)!;
  /** The state folded from zero in one go must equal the entry-by-entry state. */
  const replaysTheSame = () => {
    const once = w.projector.fold(w.projector.initial(), w.entries);
    assert.equal(stateHash(once), w.hash(), 'replay from zero gives the same state');
  };

  it('authenticates the session when /keys/query lists its device with the claimed keys (room_key.sender_device_confirmed)', () => {
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    const roomKeySeq = w.head;
    assert.equal(session().authenticity, 'unauthenticated', 'no /keys/query has listed A1 yet');

    const decisions = w.keysQuery({ user: alice });
    const keysQuerySeq = w.head;
    const d = only(decisions, 'room_key.sender_device_confirmed');
    assert.equal(d.seq, keysQuerySeq, 'decided in the fold of the keys_query entry');
    assert.ok(d.because.includes(roomKeySeq), `rests on the room key (seq ${roomKeySeq}): [${d.because.join(', ')}]`);
    assert.deepEqual([d.detail?.['room_key_seq'], d.detail?.['keys_query_seq'], d.detail?.['device_id']], [roomKeySeq, keysQuerySeq, 'A1']);
    assert.equal(d.subject, `session ${ROOM} ${a1.curve25519} ${out.sessionId}`);
    assert.deepEqual([session().authenticity, session().source.deviceId], ['authenticated', 'A1']);

    // Judged once: listing the device again decides nothing more about the session.
    assert.deepEqual(codes(w.keysQuery({ user: alice })).filter((c) => c.startsWith('room_key.')), []);
    replaysTheSame();
  });

  it('keeps it unauthenticated when the listed device has another ed25519 key than the payload claimed (room_key.sender_device_mismatch)', async () => {
    const impostor = await w.user(MALLORY, 'M1');
    const forged = impostor.devices.get('M1')!.ed25519;
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent(), { senderDeviceKeys: false, plaintext: { keys: { ed25519: forged } } }), 'room_key.accepted');
    const d = only(w.keysQuery({ user: alice }), 'room_key.sender_device_mismatch');
    assert.deepEqual([d.outcome, d.detail?.['mismatch'], d.detail?.['claimed_ed25519'], d.detail?.['listed_ed25519']], ['rejected', 'ed25519', forged, a1.ed25519]);
    assert.equal(session().authenticity, 'unauthenticated');
    assert.deepEqual(codes(w.keysQuery({ user: alice })).filter((c) => c.startsWith('room_key.')), [], 'decided once, for good');
    replaysTheSame();
  });

  it('keeps it unauthenticated when the Olm key is listed under another user than the payload\'s sender (room_key.sender_device_mismatch)', async () => {
    const mallory = await w.user(MALLORY, 'M1');
    const m1 = mallory.devices.get('M1')!;
    const theirs = m1.createOutboundSession(ROOM);
    // Mallory's device claims to be Alice's, in the clear and in the payload.
    only(w.sendOlm(m1, 'm.room_key', theirs.roomKeyContent(), { senderDeviceKeys: false, sender: ALICE, plaintext: { sender: ALICE } }), 'room_key.accepted');
    const d = only(w.keysQuery({ user: mallory }), 'room_key.sender_device_mismatch');
    assert.deepEqual([d.detail?.['mismatch'], d.detail?.['olm_sender'], d.detail?.['user_id']], ['user', ALICE, MALLORY]);
    assert.equal(megolmSession(w.state, ROOM, m1.curve25519, theirs.sessionId)?.authenticity, 'unauthenticated');
    replaysTheSame();
  });

  it('takes no decision for a session whose device was listed before its key (the ordinary order)', () => {
    w.keysQuery({ user: alice });
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    assert.equal(session().authenticity, 'authenticated');
    assert.deepEqual(codes(w.keysQuery({ user: alice })).filter((c) => c.startsWith('room_key.')), []);
  });
});
