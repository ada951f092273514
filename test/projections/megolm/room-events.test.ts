/**
 * Room events decrypted with stored sessions: given Alice's authenticated session, when a
 * real Megolm event arrives with a wrong sender, room or a reused index, then it is refused
 * with that code; an event that is fine takes no decision.
 */
import { strict as assert } from 'node:assert';
import { emptyHashedMap } from '../../../projections/hashmap.js';
import { indexSighting, sessionProvenance } from '../../../projections/megolm/selectors.js';
import { addSighting, sightingAt, type IndexSighting } from '../../../projections/megolm/state.js';
import { canonicalJson } from '../../../src/canonical.js';
import type { SimDevice, SimOutboundGroupSession, SimUser } from '../../../src/testkit/index.js';
import { ALICE, codes, only, ROOM, World } from '../../helpers/slices.js';

const MALLORY = '@mallory:example.org';

describe('megolm: room events', () => {
  let w: World;
  let alice: SimUser;
  let a1: SimDevice;
  let out: SimOutboundGroupSession;

  beforeEach(async () => {
    w = await World.create();
    ({ user: alice, device: a1, out } = await w.sender(ALICE, 'A1', ROOM));
    w.keysQuery({ user: alice });
    w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
  });
  afterEach(() => w.free());

  const send = (opts: Parameters<SimOutboundGroupSession['encrypt']>[2] = {}) => out.encrypt('m.room.message', { body: 'hi' }, opts);

  it('takes no decision on a good event and records the first sighting of its index', () => {
    const event = send();
    assert.deepEqual(codes(w.roomEvent(event, out.initialSessionKey)), []);
    assert.equal(w.entries[w.head]!.kind, 'megolm_decrypted');
    assert.equal(indexSighting(w.state, ROOM, a1.curve25519, out.sessionId, 0)?.eventId, event.event_id);
    const p = sessionProvenance(w.state, ROOM, a1.curve25519, out.sessionId)!;
    assert.deepEqual([p.session.authenticity, p.senderDevice?.deviceId, p.senderTrust?.level, p.warnings], ['authenticated', 'A1', 'cross_signed_tofu', []]);
  });

  it('refuses an event whose sender does not own the session (megolm.sender_mismatch, CVE-2025-48937)', () => {
    const d = only(w.roomEvent(send({ sender: MALLORY }), out.initialSessionKey), 'megolm.sender_mismatch');
    assert.deepEqual([d.subject.startsWith('event '), d.detail?.['key_owner'], d.detail?.['owner_from']], [true, ALICE, 'keys_query']);
    assert.equal(indexSighting(w.state, ROOM, a1.curve25519, out.sessionId, 0), undefined, 'a refused event is no sighting');
  });

  it('knows the owner from the Olm payload when no /keys/query lists the device', async () => {
    const bob = await w.user('@bob:example.org', 'B1');
    const b1 = bob.devices.get('B1')!;
    const bobs = b1.createOutboundSession(ROOM);
    w.sendOlm(b1, 'm.room_key', bobs.roomKeyContent());
    const d = only(w.roomEvent(bobs.encrypt('m.room.message', {}, { sender: MALLORY }), bobs.initialSessionKey), 'megolm.sender_mismatch');
    assert.equal(d.detail?.['owner_from'], 'room_key');
  });

  it('refuses an event whose plaintext names another room (megolm.room_mismatch)', () => {
    const d = only(w.roomEvent(send({ plaintext: { room_id: '!other:example.org' } }), out.initialSessionKey), 'megolm.room_mismatch');
    assert.equal(d.detail?.['plaintext_room_id'], '!other:example.org');
  });

  it('refuses a message index decrypted before for another event (megolm.replayed_index), not the same event twice', () => {
    const event = send();
    w.roomEvent(event, out.initialSessionKey);
    const firstSeq = w.head;
    assert.deepEqual(codes(w.roomEvent(event, out.initialSessionKey)), [], 'the same event decrypted twice is normal');
    const d = only(w.roomEvent({ ...event, event_id: '$replayed' }, out.initialSessionKey), 'megolm.replayed_index');
    assert.ok(d.because.includes(firstSeq));
    only(w.roomEvent({ ...event, origin_server_ts: event.origin_server_ts + 1 }, out.initialSessionKey), 'megolm.replayed_index');
    assert.equal(indexSighting(w.state, ROOM, a1.curve25519, out.sessionId, 0)?.eventId, event.event_id, 'the first sighting stays');
  });

  it('keeps the first sighting of every index apart across chunks, in any order, and refuses a replay at each', () => {
    const events = Array.from({ length: 131 }, () => send());
    const order = [130, 64, 0, 63, 65, 1, 127, 128];
    for (const i of order) assert.deepEqual(codes(w.roomEvent(events[i]!, out.initialSessionKey)), [], `index ${i}`);
    for (let i = 0; i < events.length; i++) {
      assert.equal(indexSighting(w.state, ROOM, a1.curve25519, out.sessionId, i)?.eventId, order.includes(i) ? events[i]!.event_id : undefined, `index ${i}`);
    }
    for (const i of order) only(w.roomEvent({ ...events[i]!, event_id: `$replayed${i}` }, out.initialSessionKey), 'megolm.replayed_index');
    // An index never sighted before, between sighted ones of its chunk, is no replay.
    assert.deepEqual(codes(w.roomEvent(events[2]!, out.initialSessionKey)), []);
  });

  it('reads the same sightings, as JSON, whatever order the indices came in', () => {
    const session = `${ROOM} key session`;
    const sighting = (i: number) => ({ eventId: `$e${i}`, originServerTs: i, seq: i });
    const indices = [0, 1, 5, 63, 64, 70, 127, 128, 200, 1000];
    const fold = (order: number[]) => {
      const map = emptyHashedMap<(IndexSighting | null)[]>();
      for (const i of order) addSighting(map, session, i, sighting(i));
      return map;
    };
    const forward = fold(indices);
    const backward = fold([...indices].reverse());
    assert.equal(canonicalJson(backward), canonicalJson(forward));
    for (let i = 0; i <= 1000; i++) assert.deepEqual(sightingAt(backward, session, i), indices.includes(i) ? sighting(i) : undefined, `index ${i}`);
  });

  it('refuses an event decrypted with a key the ledger has not accepted (megolm.session_not_accepted)', () => {
    const stranger = a1.createOutboundSession(ROOM);
    const event = stranger.encrypt('m.room.message', {});
    w.append('room_event', { kind: 'room_event', room_id: ROOM, event });
    const d = only(w.append('megolm_decrypted', {
      input_seq: w.head, room_id: ROOM, event_id: event.event_id, sender: ALICE, origin_server_ts: event.origin_server_ts,
      sender_key: a1.curve25519, session_id: stranger.sessionId, message_index: 0, key_seq: 3, plaintext_type: 'm.room.message', plaintext_room_id: ROOM,
    }), 'megolm.session_not_accepted');
    assert.equal(d.outcome, 'rejected');
  });
});
