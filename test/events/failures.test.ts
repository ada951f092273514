import { strict as assert } from 'node:assert';
import * as t from 'io-ts';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { type DecodeFailure, OlmPlaintext, decodeEncryptedContent, decodeEnvelope, decodeEventContent, decodeWith, userActionCodecs } from '../../events/index.js';

function failure<A>(r: Either<DecodeFailure, A>): DecodeFailure {
  assert.ok(isLeft(r), `expected a failure, got ${JSON.stringify(r)}`);
  return r.left;
}

const toDevice = (type: string, content: unknown, extra: Record<string, unknown> = {}) =>
  ({ kind: 'to_device', event: { type, sender: '@a:b', content }, ...extra });
const roomEvent = (type: string, content: unknown) =>
  ({ kind: 'room_event', room_id: '!r:b', event: { type, content, event_id: '$e', sender: '@a:b', origin_server_ts: 1 } });

describe('events: decode failures', () => {
  it('names the field and both types', () => {
    const f = failure(decodeEnvelope(JSON.parse(
      '{"kind":"to_device","event":{"type":"m.room_key","sender":"@a:b","content":{"algorithm":"m.megolm.v1.aes-sha2","room_id":"!r:b","session_id":5,"session_key":"x"}}}',
    )));
    assert.deepEqual(f, { path: 'event.content.session_id', message: 'event.content.session_id: expected string, got number' });
  });

  it('reports a missing field', () => {
    const f = failure(decodeEnvelope(toDevice('m.secret.send', { request_id: 'r' })));
    assert.equal(f.message, 'event.content.secret: expected string, got undefined');
  });

  it('writes array indexes as path segments', () => {
    const f = failure(decodeEventContent('m.forwarded_room_key', {
      algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r', sender_key: 's', session_id: 'i', session_key: 'k',
      sender_claimed_ed25519_key: 'e', forwarding_curve25519_key_chain: ['a', 7],
    }, 'event.content', 'to_device'));
    assert.equal(f.message, 'event.content.forwarding_curve25519_key_chain.1: expected string, got number');
  });

  it('does not leak intersection or union member indexes into the path', () => {
    const f = failure(decodeEnvelope(roomEvent('m.key.verification.mac', { mac: { k: 1 }, keys: 'x', 'm.relates_to': { rel_type: 'm.reference', event_id: '$r' } })));
    assert.equal(f.message, 'event.content.mac.k: expected string, got number');
    const olm = failure(decodeEncryptedContent({ algorithm: 'm.olm.v1.curve25519-aes-sha2', sender_key: 's', ciphertext: { k: { type: 3, body: 'b' } } }, 'event.content'));
    assert.equal(olm.message, 'event.content.ciphertext.k.type: expected 0 | 1, got number');
  });

  it('rejects an unknown m.room.encrypted algorithm, to-device and in a room', () => {
    for (const input of [toDevice('m.room.encrypted', { algorithm: 'x', ciphertext: 'c' }), roomEvent('m.room.encrypted', { algorithm: 'x', ciphertext: 'c' })]) {
      assert.deepEqual(failure(decodeEnvelope(input)), { path: 'event.content.algorithm', message: 'event.content.algorithm: unknown algorithm "x"' });
    }
    assert.equal(failure(decodeEncryptedContent({ ciphertext: 'c' }, 'c')).message,
      'c.algorithm: expected "m.olm.v1.curve25519-aes-sha2" | "m.megolm.v1.aes-sha2", got undefined');
  });

  it('accepts only megolm v1 in m.room_key and m.forwarded_room_key', () => {
    const roomKey = { algorithm: 'm.megolm.v2.aes-sha2', room_id: '!r', session_id: 'i', session_key: 'k' };
    assert.equal(failure(decodeEnvelope(toDevice('m.room_key', roomKey))).message, 'event.content.algorithm: unknown algorithm "m.megolm.v2.aes-sha2"');
    const forwarded = { ...roomKey, sender_key: 's', sender_claimed_ed25519_key: 'e', forwarding_curve25519_key_chain: [] };
    assert.equal(failure(decodeEnvelope(toDevice('m.forwarded_room_key', forwarded))).path, 'event.content.algorithm');
  });

  it('rejects an unknown key request or secret request action at content.action', () => {
    const content = { action: 'zap', requesting_device_id: 'D', request_id: 'r' };
    assert.equal(failure(decodeEnvelope(toDevice('m.room_key_request', content))).message, 'event.content.action: unknown action "zap"');
    assert.equal(failure(decodeEnvelope(toDevice('m.secret.request', content))).message, 'event.content.action: unknown action "zap"');
    const noName = failure(decodeEnvelope(toDevice('m.secret.request', { ...content, action: 'request' })));
    assert.equal(noName.message, 'event.content.name: expected string, got undefined');
  });

  it('rejects an unknown envelope kind at kind', () => {
    assert.deepEqual(failure(decodeEnvelope({ kind: 'telepathy' })), { path: 'kind', message: 'kind: unknown kind "telepathy"' });
    assert.equal(failure(decodeEnvelope({})).path, 'kind');
    assert.equal(failure(decodeEnvelope([])).message, 'value: expected object, got array');
    assert.equal(failure(decodeEnvelope(null)).message, 'value: expected object, got null');
  });

  it('checks received_at on any envelope', () => {
    for (const received_at of [-1, 1.5, '1']) {
      assert.equal(failure(decodeEnvelope(toDevice('m.dummy', {}, { received_at }))).path, 'received_at');
    }
    assert.ok(isRight(decodeEnvelope(toDevice('m.dummy', {}, { received_at: 0 }))));
  });

  it('checks the room event fields', () => {
    const input = roomEvent('m.room.message', { msgtype: 'm.text', body: 'hi' });
    delete (input.event as Record<string, unknown>).event_id;
    assert.equal(failure(decodeEnvelope(input)).message, 'event.event_id: expected string, got undefined');
    assert.equal(failure(decodeEnvelope(roomEvent('m.room.message', 'hi'))).message, 'event.content: expected object, got string');
  });

  it('checks an in-room verification request, and only that msgtype', () => {
    const f = failure(decodeEnvelope(roomEvent('m.room.message', { msgtype: 'm.key.verification.request', from_device: 'D', methods: ['m.sas.v1'] })));
    assert.equal(f.message, 'event.content.to: expected string, got undefined');
    assert.ok(isRight(decodeEnvelope(roomEvent('m.room.message', { msgtype: 'm.text', body: 'hi', from_device: 5 }))));
    assert.ok(isRight(decodeEnvelope(roomEvent('m.room.message', { body: 'no msgtype' }))));
  });

  it('requires the flow identifier of the transport', () => {
    const start = { from_device: 'D', method: 'm.foo' };
    assert.equal(failure(decodeEnvelope(toDevice('m.key.verification.start', start))).message, 'event.content.transaction_id: expected string, got undefined');
    assert.equal(failure(decodeEnvelope(roomEvent('m.key.verification.start', { ...start, 'm.relates_to': { rel_type: 'm.annotation', event_id: '$r' } }))).message,
      'event.content.m.relates_to.rel_type: expected "m.reference", got string');
  });

  it('checks an SAS start by its method', () => {
    const f = failure(decodeEnvelope(toDevice('m.key.verification.start', { from_device: 'D', method: 'm.sas.v1', transaction_id: 't' })));
    assert.equal(f.message, 'event.content.key_agreement_protocols: expected array, got undefined');
    const reciprocate = { from_device: 'D', method: 'm.reciprocate.v1', transaction_id: 't' };
    assert.equal(failure(decodeEnvelope(toDevice('m.key.verification.start', reciprocate))).message, 'event.content.secret: expected string, got undefined');
    assert.ok(isRight(decodeEnvelope(toDevice('m.key.verification.start', { ...reciprocate, secret: 's' }))));
  });

  it('prefixes failures of Olm plaintext payloads and their inner content', () => {
    assert.equal(failure(decodeWith(OlmPlaintext, { type: 'm.room_key', content: {} }, 'plaintext')).message, 'plaintext.sender: expected string, got undefined');
    assert.equal(failure(decodeEventContent('m.room_key', {}, 'plaintext.content', 'to_device')).message, 'plaintext.content.algorithm: expected "m.megolm.v1.aes-sha2", got undefined');
  });

  describe('user actions', () => {
    afterEach(() => { delete userActionCodecs['test.confirm']; });

    it('rejects an action nobody registered', () => {
      assert.deepEqual(failure(decodeEnvelope({ kind: 'user_action', action: 'x' })), { path: 'action', message: 'action: unknown action "x"' });
      assert.equal(failure(decodeEnvelope({ kind: 'user_action' })).message, 'action: expected string, got undefined');
    });

    it('checks a registered action with its own codec', () => {
      userActionCodecs['test.confirm'] = t.type({ flow_id: t.string });
      const ok = { kind: 'user_action', action: 'test.confirm', flow_id: 'f', received_at: 5 };
      const r = decodeEnvelope(ok);
      assert.ok(isRight(r));
      assert.equal(r.right, ok);
      assert.equal(failure(decodeEnvelope({ kind: 'user_action', action: 'test.confirm' })).message, 'flow_id: expected string, got undefined');
    });
  });
});
