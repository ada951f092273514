import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Envelope, decodeEnvelope } from '../../events/envelope.js';
import { decodeWith } from '../../events/decode.js';

/** Any value a field of a room event might hold, right or wrong. */
const anyField = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(1.5, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, 1_700_000_000_000),
  fc.string({ maxLength: 4 }),
  fc.constant([]),
  fc.constant({}),
);

const eventType = fc.constantFrom('m.room.message', 'm.room.encrypted', 'm.reaction', 'm.key.verification.ready', 'm.key.verification.start', 'constructor', '__proto__');
const msgtype = fc.constantFrom(undefined, 'm.text', 'm.key.verification.request', 7);

/** Room-event envelopes: mostly well formed, each field sometimes replaced by anything or left out. */
const roomEventish = fc
  .record({
    kind: fc.oneof(fc.constant('room_event'), fc.constant('to_device'), anyField),
    room_id: fc.oneof(fc.constant('!r:x'), anyField),
    received_at: fc.oneof(fc.constant(1_700_000_000_000), anyField),
    event_id: fc.oneof(fc.constant('$e'), anyField),
    sender: fc.oneof(fc.constant('@a:x'), anyField),
    origin_server_ts: fc.oneof(fc.constant(1_700_000_000_000), anyField),
    type: fc.oneof(eventType, anyField),
    msgtype,
    body: fc.oneof(fc.constant('hi'), anyField),
    algorithm: fc.constantFrom(undefined, 'm.megolm.v1.aes-sha2', 'm.olm.v1.curve25519-aes-sha2', 3),
    ciphertext: fc.oneof(fc.constant('AwgA'), anyField),
    session_id: fc.oneof(fc.constant('s'), anyField),
    unsigned: fc.oneof(fc.constant({ age: 1 }), anyField),
    event_room_id: fc.oneof(fc.constant('!r:x'), anyField),
    contentIsObject: fc.boolean(),
  })
  .map((r) => {
    const content: Record<string, unknown> = {};
    for (const [k, v] of [['msgtype', r.msgtype], ['body', r.body], ['algorithm', r.algorithm], ['ciphertext', r.ciphertext], ['session_id', r.session_id]] as const) {
      if (v !== undefined) content[k] = v;
    }
    const event: Record<string, unknown> = { content: r.contentIsObject ? content : r.body };
    for (const [k, v] of [['event_id', r.event_id], ['sender', r.sender], ['origin_server_ts', r.origin_server_ts], ['type', r.type], ['unsigned', r.unsigned], ['room_id', r.event_room_id]] as const) {
      if (v !== undefined) event[k] = v;
    }
    const envelope: Record<string, unknown> = { event };
    for (const [k, v] of [['kind', r.kind], ['room_id', r.room_id], ['received_at', r.received_at]] as const) if (v !== undefined) envelope[k] = v;
    return envelope;
  });

describe('decodeEnvelope: room events', () => {
  it('answers exactly as the io-ts Envelope codec does (same verdict, same path and message)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(roomEventish, (value) => {
        const fast = decodeEnvelope(value);
        const reference = decodeWith(Envelope, value);
        assert.deepStrictEqual(fast, reference);
        if (fast._tag === 'Right') {
          accepted++;
          assert.equal(fast.right, value, 'an accepted envelope is the very value passed in');
        }
      }),
      { numRuns: 5000 },
    );
    assert.ok(accepted > 100, `only ${accepted} of 5000 generated envelopes were valid`);
  });
});
