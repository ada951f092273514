/**
 * Why a room event cannot be decrypted: given what the ledger knows about the session
 * (nothing, a withheld notice, a refused key, a later index), when an undecryptable event
 * arrives, then `megolm.undecryptable` names the cause, and `utdCause` agrees.
 */
import { strict as assert } from 'node:assert';
import { utdCause, withheldNotice } from '../../../projections/megolm/selectors.js';
import type { SimDevice, SimOutboundGroupSession } from '../../../src/testkit/index.js';
import { ALICE, only, ROOM, World } from '../../helpers/slices.js';

describe('megolm: undecryptable events and withheld keys', () => {
  let w: World;
  let a1: SimDevice;
  let out: SimOutboundGroupSession;

  beforeEach(async () => {
    w = await World.create();
    a1 = (await w.user(ALICE, 'A1')).devices.get('A1')!;
    out = a1.createOutboundSession(ROOM);
  });
  afterEach(() => w.free());

  const undecryptable = () => only(w.roomEvent(out.encrypt('m.room.message', {}), out.initialSessionKey), 'megolm.undecryptable');
  const withheld = (fields: Record<string, unknown> = {}) => ({
    algorithm: 'm.megolm.v1.aes-sha2', room_id: ROOM, session_id: out.sessionId, sender_key: a1.curve25519, code: 'm.unverified', reason: 'Device not verified', ...fields,
  });

  it('no session: cause no_session', () => {
    const d = undecryptable();
    assert.deepEqual([d.outcome, d.detail?.['cause'], d.detail?.['requested']], ['flagged', 'no_session', false]);
  });

  it('records a plaintext withheld notice (room_key.withheld) and gives it as the cause', () => {
    const notice = only(w.toDevice('m.room_key.withheld', ALICE, withheld()), 'room_key.withheld');
    assert.equal(notice.subject, `session ${ROOM} ${a1.curve25519} ${out.sessionId}`);
    assert.deepEqual([withheldNotice(w.state, ROOM, out.sessionId)?.code, withheldNotice(w.state, ROOM, out.sessionId)?.overOlm], ['m.unverified', false]);
    const d = undecryptable();
    assert.deepEqual([d.detail?.['cause'], d.detail?.['code']], ['withheld', 'm.unverified']);
    assert.ok(d.because.includes(notice.seq));
  });

  it('records a withheld notice over Olm, and m.no_olm for every session of its sender key', () => {
    const over = only(w.sendOlm(a1, 'm.room_key.withheld', withheld({ code: 'm.blacklisted' })), 'room_key.withheld');
    assert.equal(over.detail?.['over_olm'], true);
    only(w.toDevice('m.room_key.withheld', ALICE, { algorithm: 'm.megolm.v1.aes-sha2', sender_key: 'other-key', code: 'm.no_olm' }), 'room_key.withheld');
    assert.deepEqual(utdCause(w.state, ROOM, 'other-key', 'any-session', null).detail['code'], 'm.no_olm');
  });

  it('a refused key for the event\'s session: cause session_rejected with the refusing code and seq', () => {
    // A forwarded key names its sender key: refused in plaintext, it is tied to (sender key, session).
    only(w.toDevice('m.forwarded_room_key', ALICE, { ...out.roomKeyContent(), sender_key: a1.curve25519 }), 'room_key.not_over_olm');
    const refused = w.head;
    const d = undecryptable();
    assert.deepEqual([d.detail?.['cause'], d.detail?.['code']], ['session_rejected', 'room_key.not_over_olm']);
    assert.ok(d.because.includes(refused));
  });

  it('given a plaintext m.room_key naming the session but no sender key, then it is not the cause (room_key.not_over_olm explains nothing)', () => {
    const refused = only(w.toDevice('m.room_key', '@mallory:example.org', { ...out.roomKeyContent() }), 'room_key.not_over_olm');
    assert.equal(refused.subject, `input ${w.head}`, 'decided about the input: it names no session key');
    const d = undecryptable();
    assert.deepEqual([d.detail?.['cause'], d.detail?.['code']], ['no_session', undefined]);
    assert.ok(!d.because.includes(refused.seq));
    for (const senderKey of [a1.curve25519, undefined]) assert.equal(utdCause(w.state, ROOM, senderKey, out.sessionId, 0).cause, 'no_session');
  });

  it('given a refused key for another sender key, then it is not the cause, and it hides no refusal for the event\'s own key', () => {
    // A plaintext m.room_key may carry a `sender_key` field: it is no part of the event, and ignored.
    only(w.toDevice('m.room_key', '@mallory:example.org', { ...out.roomKeyContent(), sender_key: a1.curve25519 }), 'room_key.not_over_olm');
    only(w.toDevice('m.forwarded_room_key', '@mallory:example.org', { ...out.roomKeyContent(), sender_key: 'mallorys-own-key' }), 'room_key.not_over_olm');
    assert.equal(undecryptable().detail?.['cause'], 'no_session');
    only(w.toDevice('m.forwarded_room_key', ALICE, { ...out.roomKeyContent(), sender_key: a1.curve25519 }), 'room_key.not_over_olm');
    const genuine = w.head;
    only(w.toDevice('m.forwarded_room_key', '@mallory:example.org', { ...out.roomKeyContent(), sender_key: 'mallorys-own-key' }), 'room_key.not_over_olm');
    only(w.toDevice('m.room_key', '@mallory:example.org', { ...out.roomKeyContent() }), 'room_key.not_over_olm');
    assert.deepEqual(utdCause(w.state, ROOM, a1.curve25519, out.sessionId, 0), { cause: 'session_rejected', detail: { code: 'room_key.not_over_olm' }, seq: genuine });
  });

  it('a message before the first known index: cause unknown_index', () => {
    const early = out.encrypt('m.room.message', {});
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
    const d = only(w.roomEvent(early, out.initialSessionKey), 'megolm.undecryptable');
    assert.deepEqual([d.detail?.['cause'], d.detail?.['first_known_index'], d.detail?.['message_index']], ['unknown_index', 1, 0]);
  });

  it('an encrypted room event that is not Megolm: cause unknown_algorithm', () => {
    const event = { event_id: '$olm', sender: ALICE, origin_server_ts: 1, type: 'm.room.encrypted', content: { algorithm: 'm.olm.v1.curve25519-aes-sha2', sender_key: 'k', ciphertext: {} } };
    const d = only(w.append('room_event', { kind: 'room_event', room_id: ROOM, event }), 'megolm.undecryptable');
    assert.deepEqual([d.subject, d.detail?.['cause']], ['event $olm', 'unknown_algorithm']);
  });
});
