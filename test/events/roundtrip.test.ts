import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { Envelope, decodeEnvelope } from '../../events/index.js';

const roomKey = {
  kind: 'to_device',
  received_at: 1700000000000,
  'org.example.envelope_note': 'kept',
  event: {
    type: 'm.room_key', sender: '@a:b', 'org.example.event_field': [1, { two: 2 }],
    content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r:b', session_id: 'i', session_key: 'k', 'org.example.future': { nested: true } },
  },
};

const megolmRoomEvent = {
  kind: 'room_event', room_id: '!r:b',
  event: {
    type: 'm.room.encrypted', event_id: '$e', sender: '@a:b', origin_server_ts: 1, unsigned: { age: 3, 'org.example': 1 },
    content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'c', session_id: 's', device_id: 'D', 'm.relates_to': { rel_type: 'm.thread', event_id: '$t' } },
  },
};

const backup = {
  kind: 'backup_version',
  response: { algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2', auth_data: { public_key: 'p', 'org.example.extra': 1 }, count: 2, etag: 'e', version: '1', extra: true },
};

describe('events: decoding does not transform', () => {
  for (const [name, input] of Object.entries({ roomKey, megolmRoomEvent, backup })) {
    it(`keeps unknown fields of ${name} through decode and encode`, () => {
      const json = JSON.stringify(input);
      const r = decodeEnvelope(JSON.parse(json));
      assert.ok(isRight(r));
      assert.equal(JSON.stringify(r.right), json);
      assert.equal(JSON.stringify(Envelope.encode(r.right)), json);
      const same = decodeEnvelope(input);
      assert.ok(isRight(same) && same.right === input, 'the decoded value is the input object itself');
    });
  }

  it('never throws, and a success is always the input itself (property)', () => {
    const arbitraryEnvelope = fc.oneof(
      fc.jsonValue(),
      fc.record({ kind: fc.constantFrom('to_device', 'room_event', 'keys_query', 'backup_version', 'user_action', 'x'), event: fc.jsonValue(), response: fc.jsonValue() }, { requiredKeys: ['kind'] }),
      fc.record({ kind: fc.constant('to_device'), event: fc.record({ type: fc.constantFrom('m.room_key', 'm.room.encrypted', 'm.key.verification.start', 'm.secret.request'), sender: fc.string(), content: fc.dictionary(fc.constantFrom('algorithm', 'room_id', 'session_id', 'session_key', 'method', 'action', 'ciphertext'), fc.jsonValue()) }) }),
    );
    fc.assert(fc.property(arbitraryEnvelope, (input) => {
      const r = decodeEnvelope(input);
      if (isRight(r)) return r.right === input;
      return typeof r.left.path === 'string' && r.left.message.length > 0 && !r.left.message.includes('\n');
    }), { numRuns: 2000 });
  });

  it('any extra field survives on a valid envelope (property)', () => {
    fc.assert(fc.property(fc.string(), fc.jsonValue(), (key, value) => {
      if (key in roomKey.event.content) return true;
      const input = structuredClone(roomKey);
      (input.event.content as Record<string, unknown>)[key] = value;
      const json = JSON.stringify(input);
      const r = decodeEnvelope(JSON.parse(json));
      return isRight(r) && JSON.stringify(r.right) === json;
    }));
  });
});
