/**
 * Replay determinism: the log of a busy scenario (keys accepted, forwarded, refused,
 * events decrypted, replayed, undecryptable) folded again — in one go, entry by entry, or
 * in chunks — gives the same state hash and the same decisions.
 */
import { strict as assert } from 'node:assert';
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeEnvelope } from '../../../events/envelope.js';
import type { Decision } from '../../../projections/decision.js';
import { ALICE, ME, ROOM, World } from '../../helpers/slices.js';

describe('megolm + olm: replay', () => {
  it('folding the same log again gives the same state hash and decisions, however it is chunked', async () => {
    const w = await World.create();
    try {
      const alice = await w.user(ALICE, 'A1');
      const a1 = alice.devices.get('A1')!;
      const me = await w.user(ME, 'LAPTOP', 'PHONE');
      const laptop = me.devices.get('LAPTOP')!;
      const phone = me.devices.get('PHONE')!;
      w.ownDevices(me, [laptop, phone], [laptop]);
      w.keysQuery({ user: alice });
      const out = a1.createOutboundSession(ROOM);
      const early = out.encrypt('m.room.message', { body: 'early' });
      w.sendOlm(a1, 'm.room_key', out.roomKeyContent());
      w.roomEvent(early, out.initialSessionKey);
      w.requestKey(ROOM, a1.curve25519, out.sessionId);
      w.sendOlm(laptop, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0));
      const event = out.encrypt('m.room.message', { body: 'hi' });
      w.roomEvent(event, out.initialSessionKey);
      w.roomEvent({ ...event, event_id: '$again' }, out.initialSessionKey);
      w.toDevice('m.room_key', ALICE, { ...a1.createOutboundSession(ROOM).roomKeyContent() });
      w.toDevice('m.room_key.withheld', ALICE, { algorithm: 'm.megolm.v1.aes-sha2', sender_key: a1.curve25519, code: 'm.no_olm' });
      // An attack on the held session, and a forwarded copy authenticated by its creator.
      w.sendOlm(phone, 'm.forwarded_room_key', await out.forwardedRoomKeyContent(0));
      const second = a1.createOutboundSession(ROOM);
      w.requestKey(ROOM, a1.curve25519, second.sessionId);
      w.sendOlm(laptop, 'm.forwarded_room_key', await second.forwardedRoomKeyContent(0));
      w.sendOlm(a1, 'm.room_key', second.roomKeyContent());
      const codes = w.decisions.map((d) => d.code);
      for (const code of [
        'room_key.accepted', 'megolm.undecryptable', 'session_update.accepted', 'megolm.replayed_index', 'room_key.not_over_olm', 'room_key.withheld',
        'forwarded_key.untrusted_sender', 'session_update.authenticated',
      ]) {
        assert.ok(codes.includes(code), `the scenario decides ${code}`);
      }

      const fold = (chunk: number): { hash: string; decisions: Decision[] } => {
        const decisions: Decision[] = [];
        let state = w.projector.initial();
        for (let i = 0; i < w.entries.length; i += chunk) state = w.projector.fold(state, w.entries.slice(i, i + chunk), decisions);
        const other = Object.create(w) as World;
        other.state = state;
        return { hash: other.hash(), decisions };
      };
      for (const chunk of [1, 3, w.entries.length]) {
        const again = fold(chunk);
        assert.equal(again.hash, w.hash(), `chunks of ${chunk}`);
        assert.deepEqual(again.decisions, w.decisions, `decisions, chunks of ${chunk}`);
      }
    } finally {
      w.free();
    }
  });

  it('the request_room_key user action decodes, and a missing field is an input error', () => {
    const action = { kind: 'user_action', action: 'request_room_key', room_id: ROOM, sender_key: 'k', session_id: 's', request_id: 'r' };
    assert.ok(isRight(decodeEnvelope(action)));
    const { session_id: _s, ...missing } = action;
    const decoded = decodeEnvelope(missing);
    assert.ok(!isRight(decoded) && decoded.left.path === 'session_id', JSON.stringify(decoded));
  });
});
