/**
 * `m.room_key`: given a real Megolm session shared over real Olm, when its payload or key
 * is at fault, then the session is refused with that code; otherwise it is stored.
 */
import { strict as assert } from 'node:assert';
import { megolmSession, utdCause } from '../../../projections/megolm/selectors.js';
import type { SimDevice, SimUser } from '../../../src/testkit/index.js';
import { ALICE, BOB, only, ROOM, World } from '../../helpers/slices.js';

describe('megolm: m.room_key', () => {
  let w: World;
  let alice: SimUser;
  let a1: SimDevice;

  beforeEach(async () => {
    w = await World.create();
    alice = await w.user(ALICE, 'A1');
    a1 = alice.devices.get('A1')!;
  });
  afterEach(() => w.free());

  it('stores a key from a known device of its sender as an authenticated session from index 0 (room_key.accepted)', () => {
    w.keysQuery({ user: alice });
    const out = a1.createOutboundSession(ROOM);
    const d = only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent()), 'room_key.accepted');
    assert.equal(d.subject, `session ${ROOM} ${a1.curve25519} ${out.sessionId}`);
    assert.deepEqual(d.because, [1, 2], 'the keys_query that listed the device, and the to-device input');
    const s = megolmSession(w.state, ROOM, a1.curve25519, out.sessionId)!;
    assert.deepEqual(
      { first: s.firstKnownIndex, auth: s.authenticity, keySeq: s.keySeq, source: s.source.type, device: s.source.deviceId, owner: s.ownerUserId, claimed: s.claimedEd25519 },
      { first: 0, auth: 'authenticated', keySeq: w.head, source: 'room_key', device: 'A1', owner: ALICE, claimed: a1.ed25519 },
    );
    assert.equal(utdCause(w.state, ROOM, undefined, out.sessionId, 0).cause, 'decryptable');
  });

  it('stores a key from a device no /keys/query lists as unauthenticated, under the Olm key, never the claimed one', () => {
    const out = a1.createOutboundSession(ROOM);
    only(w.sendOlm(a1, 'm.room_key', { ...out.roomKeyContent(), sender_key: 'claimed-by-content' }), 'room_key.accepted');
    assert.equal(megolmSession(w.state, ROOM, a1.curve25519, out.sessionId)?.authenticity, 'unauthenticated');
    assert.equal(megolmSession(w.state, ROOM, 'claimed-by-content', out.sessionId), undefined);
  });

  it('takes no key from a payload the olm slice discarded (room_key.invalid_payload)', () => {
    w.keysQuery({ user: alice });
    const out = a1.createOutboundSession(ROOM);
    const d = only(w.sendOlm(a1, 'm.room_key', out.roomKeyContent(), { plaintext: { recipient: BOB } }), 'room_key.invalid_payload');
    assert.equal(d.detail?.['olm_code'], 'olm.recipient_mismatch');
    assert.equal(megolmSession(w.state, ROOM, a1.curve25519, out.sessionId), undefined);
    assert.deepEqual(utdCause(w.state, ROOM, a1.curve25519, out.sessionId, 0), { cause: 'session_rejected', detail: { code: 'room_key.invalid_payload' }, seq: w.head });
  });

  it('refuses a room key sent in plaintext (room_key.not_over_olm): trusted impersonation', () => {
    const out = a1.createOutboundSession(ROOM);
    only(w.toDevice('m.room_key', ALICE, { ...out.roomKeyContent() }), 'room_key.not_over_olm');
    only(w.toDevice('m.forwarded_room_key', ALICE, { ...out.roomKeyContent(), sender_key: a1.curve25519 }), 'room_key.not_over_olm');
    assert.equal(megolmSession(w.state, ROOM, a1.curve25519, out.sessionId), undefined);
    const why = utdCause(w.state, ROOM, a1.curve25519, out.sessionId, 0);
    assert.deepEqual([why.cause, why.detail['code'], why.seq], ['session_rejected', 'room_key.not_over_olm', w.head]);
  });

  it('refuses a key whose session_id is not its own (room_key.session_id_mismatch)', () => {
    const real = a1.createOutboundSession(ROOM);
    const other = a1.createOutboundSession(ROOM);
    const d = only(w.sendOlm(a1, 'm.room_key', { ...real.roomKeyContent(), session_id: other.sessionId }), 'room_key.session_id_mismatch');
    assert.equal(d.detail?.['real_session_id'], real.sessionId);
    assert.equal(megolmSession(w.state, ROOM, a1.curve25519, other.sessionId), undefined);
    assert.equal(megolmSession(w.state, ROOM, a1.curve25519, real.sessionId), undefined);
  });

  it('refuses a key olm cannot import (room_key.not_imported)', () => {
    const out = a1.createOutboundSession(ROOM);
    const d = only(w.sendOlm(a1, 'm.room_key', { ...out.roomKeyContent(), session_key: 'AAAA' }), 'room_key.not_imported');
    assert.match(String(d.detail?.['error']), /^OLM\./);
    assert.equal(megolmSession(w.state, ROOM, a1.curve25519, out.sessionId), undefined);
  });
});
