/**
 * `m.forwarded_room_key` and updates of stored sessions: given Alice's real session and
 * our own devices (one verified, one not), when a key is forwarded or re-shared, then it
 * is accepted or refused with the code of the rule it breaks.
 */
import { strict as assert } from 'node:assert';
import { keyRequest, megolmSession, utdCause } from '../../../projections/megolm/selectors.js';
import type { SimDevice, SimOutboundGroupSession, SimUser } from '../../../src/testkit/index.js';
import { ALICE, BOB, codes, ME, only, ROOM, World } from '../../helpers/slices.js';

describe('megolm: forwarded keys and session updates', () => {
  let w: World;
  let alice: SimUser;
  let a1: SimDevice;
  let laptop: SimDevice; // our own device, verified
  let phone: SimDevice; // our own device, not verified
  let out: SimOutboundGroupSession;

  beforeEach(async () => {
    w = await World.create();
    alice = await w.user(ALICE, 'A1');
    a1 = alice.devices.get('A1')!;
    const me = await w.user(ME, 'LAPTOP', 'PHONE');
    laptop = me.devices.get('LAPTOP')!;
    phone = me.devices.get('PHONE')!;
    w.ownDevices(me, [laptop, phone], [laptop]);
    w.keysQuery({ user: alice });
    out = a1.createOutboundSession(ROOM);
  });
  afterEach(() => w.free());

  const session = () => megolmSession(w.state, ROOM, a1.curve25519, out.sessionId);
  const request = () => w.requestKey(ROOM, a1.curve25519, out.sessionId);
  /** Advances Alice's session by `n` messages. */
  const advance = (n: number) => { for (let i = 0; i < n; i++) out.encrypt('m.room.message', { body: `${i}` }); };

  it('accepts a requested key forwarded by a verified own device, unauthenticated, under the original sender key (forwarded_key.accepted)', async () => {
    const requested = only(request(), 'room_key.requested');
    const d = only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(2, ['chain-key'])), 'forwarded_key.accepted');
    assert.ok(d.because.includes(requested.seq), 'rests on the request');
    const s = session()!;
    assert.deepEqual(
      { first: s.firstKnownIndex, auth: s.authenticity, source: s.source.type, via: s.source.viaCurveKey, device: s.source.deviceId, chain: s.forwardingChain, claimed: s.claimedEd25519, owner: s.ownerUserId },
      { first: 2, auth: 'unauthenticated', source: 'forwarded', via: laptop.curve25519, device: 'LAPTOP', chain: ['chain-key'], claimed: a1.ed25519, owner: null },
    );
    assert.equal(keyRequest(w.state, ROOM, a1.curve25519, out.sessionId)?.fulfilledSeq, w.head, 'the request is fulfilled');
  });

  it('takes a request made without sender_key or request_id (the spec deprecates sender_key) for the session ID in that room', async () => {
    only(w.action('request_room_key', { room_id: ROOM, session_id: out.sessionId }), 'room_key.requested');
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0)), 'forwarded_key.accepted');
    assert.equal(session()?.firstKnownIndex, 0);
    // It was one request: a second forward of the session was not asked for.
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0)), 'forwarded_key.unrequested');
  });

  it('refuses a forwarded key from another user, even a cross-signed one (forwarded_key.other_user)', async () => {
    const bob = await w.user(BOB, 'B1');
    w.keysQuery({ user: bob });
    request();
    only(w.sendOlm(bob.devices.get('B1')!, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0)), 'forwarded_key.other_user');
    assert.equal(session(), undefined);
  });

  it('refuses a forwarded key from an unverified own device (forwarded_key.untrusted_sender)', async () => {
    request();
    only(w.sendOlm(phone, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0)), 'forwarded_key.untrusted_sender');
    assert.equal(session(), undefined);
    assert.equal(keyRequest(w.state, ROOM, a1.curve25519, out.sessionId)?.fulfilledSeq, null, 'the request stays open');
  });

  it('refuses a forwarded key nobody asked for, or asked for once and already received (forwarded_key.unrequested)', async () => {
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(3)), 'forwarded_key.unrequested');
    assert.equal(session(), undefined);
    request();
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(3)), 'forwarded_key.accepted');
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0)), 'forwarded_key.unrequested');
    assert.equal(session()?.firstKnownIndex, 3);
  });

  it('updates a stored session from a lower index of the same ratchet; authenticity stays (session_update.accepted)', async () => {
    advance(5);
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    const stored = session()!;
    assert.deepEqual([stored.firstKnownIndex, stored.authenticity], [5, 'authenticated']);
    request();
    const d = only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(1)), 'session_update.accepted');
    assert.ok(d.because.includes(stored.keySeq), 'rests on the stored key');
    const s = session()!;
    assert.deepEqual([s.firstKnownIndex, s.keySeq, s.source.type, s.authenticity, s.ownerUserId], [1, w.head, 'forwarded', 'authenticated', ALICE]);
    assert.deepEqual(s.history.map((h) => h.code), ['room_key.accepted', 'session_update.accepted']);
  });

  it('never raises an unauthenticated session by a forwarded update, only by an authenticated m.room_key', async () => {
    request();
    advance(4);
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(4)), 'forwarded_key.accepted');
    request();
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(2)), 'session_update.accepted');
    assert.deepEqual([session()!.firstKnownIndex, session()!.authenticity], [2, 'unauthenticated']);
  });

  it('raises authenticity when the lower-index update is an authenticated m.room_key', async () => {
    const initial = { ...out.roomKeyContent() }; // index 0, before any message
    advance(3);
    request();
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(3)), 'forwarded_key.accepted');
    only(w.sendOlm(a1, 'm.room_key', initial), 'session_update.accepted');
    assert.deepEqual([session()!.firstKnownIndex, session()!.authenticity, session()!.source.type], [0, 'authenticated', 'room_key']);
  });

  it('given a forwarded copy, when the creator\'s own m.room_key at the same index arrives, then the session is authenticated (session_update.authenticated)', async () => {
    advance(3);
    const shared = { ...out.roomKeyContent() }; // index 3, as the creator shares it
    request();
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(3)), 'forwarded_key.accepted');
    const forwardedSeq = w.head;
    const d = w.sendOlm(a1, 'm.room_key', shared);
    const up = only(d, 'session_update.authenticated');
    assert.deepEqual(codes(d).filter((c) => !c.startsWith('olm.')), ['session_update.authenticated'], 'nothing else');
    assert.ok(up.because.includes(forwardedSeq), 'rests on the stored copy');
    assert.deepEqual([up.detail?.['previous_source'], up.detail?.['stored_authenticity'], up.detail?.['authenticity']], ['forwarded', 'unauthenticated', 'authenticated']);
    const s = session()!;
    assert.deepEqual(
      { first: s.firstKnownIndex, auth: s.authenticity, source: s.source.type, device: s.source.deviceId, keySeq: s.keySeq, owner: s.ownerUserId, chain: s.forwardingChain },
      { first: 3, auth: 'authenticated', source: 'room_key', device: 'A1', keySeq: w.head, owner: ALICE, chain: null },
    );
    assert.deepEqual(s.history.map((h) => h.code), ['forwarded_key.accepted', 'session_update.authenticated']);
    // Once authenticated, the same key again is just not lower.
    only(w.sendOlm(a1, 'm.room_key', shared), 'session_update.not_lower_index');
  });

  it('given a forwarded copy, the creator\'s key at the same index of another ratchet is refused (session_update.unconnected)', async () => {
    advance(3);
    request();
    const honest = await out.forwardedRoomKeyContent(3);
    const bytes = Buffer.from(honest.session_key, 'base64');
    bytes[10] ^= 0xff; // a ratchet byte (the signing key, the session ID, stays)
    only(w.sendOlm(laptop, 'm.forwarded_room_key', { ...honest, session_key: bytes.toString('base64').replace(/=+$/, '') }), 'forwarded_key.accepted');
    const d = w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    const refused = only(d, 'session_update.unconnected');
    assert.deepEqual(codes(d).filter((c) => !c.startsWith('olm.')), ['session_update.unconnected'], 'nothing else');
    assert.equal(refused.detail?.['same_index'], true);
    assert.deepEqual([session()!.authenticity, session()!.source.type], ['unauthenticated', 'forwarded']);
  });

  it('given a forwarded copy, the same key shared by another device is that device\'s own session and authenticates nothing (room_key.accepted)', async () => {
    const stranger = (await w.user('@mallory:example.org', 'M1')).devices.get('M1')!;
    advance(3);
    request();
    only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(3)), 'forwarded_key.accepted');
    // Mallory re-shares Alice's session as her own m.room_key: it lands under her own Olm key, a different session.
    only(w.sendOlm(stranger, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    assert.deepEqual([session()!.authenticity, session()!.source.type], ['unauthenticated', 'forwarded']);
  });

  it('refuses an update that is not a lower index (session_update.not_lower_index)', async () => {
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    const keySeq = w.head;
    request();
    const d = only(w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(3)), 'session_update.not_lower_index');
    assert.equal(d.detail?.['stored_first_known_index'], 0);
    // The very same key again is no lower either: the stored one stays.
    assert.equal(only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'session_update.not_lower_index').detail?.['same_key'], true);
    assert.deepEqual([session()!.firstKnownIndex, session()!.keySeq], [0, keySeq]);
  });

  it('given a session we hold, a lower-index forward from an unverified own device is refused as what it is (forwarded_key.untrusted_sender)', async () => {
    advance(5);
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    request();
    const d = w.sendOlm(phone, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0));
    const refused = only(d, 'forwarded_key.untrusted_sender');
    assert.deepEqual(codes(d).filter((c) => !c.startsWith('olm.')), ['forwarded_key.untrusted_sender'], 'nothing else');
    assert.deepEqual([refused.detail?.['stored_first_known_index'], refused.detail?.['first_known_index']], [5, 0], 'the decision shows the session attacked');
    assert.equal(session()?.firstKnownIndex, 5);
    assert.equal(session()?.history.at(-1)?.code, 'forwarded_key.untrusted_sender');
    assert.equal(keyRequest(w.state, ROOM, a1.curve25519, out.sessionId)?.fulfilledSeq, null, 'the request stays open');
    const why = utdCause(w.state, ROOM, a1.curve25519, out.sessionId, 2);
    assert.deepEqual([why.cause, why.detail['rejected_code']], ['unknown_index', 'forwarded_key.untrusted_sender']);
  });

  it('given a session we hold, a forward from another user is refused as what it is (forwarded_key.other_user)', async () => {
    advance(5);
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    const bob = await w.user(BOB, 'B1');
    w.keysQuery({ user: bob });
    request();
    const d = w.sendOlm(bob.devices.get('B1')!, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0));
    only(d, 'forwarded_key.other_user');
    assert.deepEqual(codes(d).filter((c) => !c.startsWith('olm.')), ['forwarded_key.other_user'], 'nothing else');
    assert.deepEqual([session()?.firstKnownIndex, session()?.source.type], [5, 'room_key']);
  });

  it('refuses a lower-index key of another ratchet under the same session ID (session_update.unconnected)', async () => {
    advance(5);
    only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    request();
    const honest = await out.forwardedRoomKeyContent(0);
    // Export format: version (1) | index (4) | ratchet (128) | signing public key (32): the ID is the public key.
    const bytes = Buffer.from(honest.session_key, 'base64');
    bytes[10] ^= 0xff;
    const forged = { ...honest, session_key: bytes.toString('base64').replace(/=+$/, '') };
    const d = only(w.sendOlm(laptop, 'm.forwarded_room_key', forged), 'session_update.unconnected');
    assert.equal(d.detail?.['advanced_to'], 5);
    assert.deepEqual([session()!.firstKnownIndex, session()!.history.at(-1)?.code], [5, 'session_update.unconnected']);
  });
});
