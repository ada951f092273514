import { strict as assert } from 'node:assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import {
  BackupVersionResponse, DeviceKeys, Envelope, KeysQueryResponse, MEGOLM_BACKUP_V1, OneTimeKeys, decodeEnvelope, decodeWith,
  isToDeviceEventOf,
} from '../../events/index.js';

const goodDevice = {
  user_id: '@a:b', device_id: 'GOOD', algorithms: ['m.olm.v1.curve25519-aes-sha2'],
  keys: { 'curve25519:GOOD': 'c', 'ed25519:GOOD': 'e' }, signatures: { '@a:b': { 'ed25519:GOOD': 's' } },
  unsigned: { device_display_name: 42 },
};

describe('events: what decodes although a rule will reject it', () => {
  it('decodes a keys_query response with one malformed device, and leaves that device to the reducer', () => {
    const response = {
      device_keys: { '@a:b': { GOOD: goodDevice, BAD: { user_id: '@a:b', device_id: 'BAD', keys: 'nope' } } },
      master_keys: { '@a:b': { user_id: '@a:b', usage: ['master'], keys: { 'ed25519:m': 'm' } } },
      failures: {},
    };
    const r = decodeEnvelope({ kind: 'keys_query', response });
    assert.ok(isRight(r), isLeft(r) ? r.left.message : '');
    assert.ok(isRight(decodeWith(DeviceKeys, response.device_keys['@a:b'].GOOD)));
    const bad = decodeWith(DeviceKeys, response.device_keys['@a:b'].BAD, 'response.device_keys.@a:b.BAD');
    assert.ok(isLeft(bad));
    assert.equal(bad.left.message, 'response.device_keys.@a:b.BAD.algorithms: expected array, got undefined');
  });

  it('still rejects a keys_query response whose outer shape is wrong', () => {
    const r = decodeEnvelope({ kind: 'keys_query', response: { device_keys: { '@a:b': 'x' } } });
    assert.ok(isLeft(r));
    assert.equal(r.left.message, 'response.device_keys.@a:b: expected object, got string');
    assert.ok(isRight(decodeWith(KeysQueryResponse, {})), 'device_keys is optional in the spec');
  });

  it('decodes a plaintext m.room_key to-device event (the rules reject it, not the decoder)', () => {
    const input = { kind: 'to_device', event: { type: 'm.room_key', sender: '@a:b', content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r', session_id: 'i', session_key: 'k' } } };
    const r = decodeEnvelope(input);
    assert.ok(isRight(r));
    const envelope: Envelope = r.right;
    assert.ok(envelope.kind === 'to_device' && isToDeviceEventOf(envelope.event, 'm.room_key'));
    assert.equal(envelope.event.content.session_id, 'i');
  });

  it('decodes a verification start with an unknown method (the engine answers m.unknown_method)', () => {
    const r = decodeEnvelope({ kind: 'to_device', event: { type: 'm.key.verification.start', sender: '@a:b', content: { from_device: 'D', method: 'org.example.v9', transaction_id: 't' } } });
    assert.ok(isRight(r));
  });

  it('decodes a backup of an unknown algorithm with its auth_data kept raw', () => {
    const response = { algorithm: 'org.example.backup.v2', auth_data: { anything: [1, 2] }, count: 0, etag: 'e', version: '3' };
    const r = decodeWith(BackupVersionResponse, response);
    assert.ok(isRight(r));
    assert.equal(r.right.auth_data, response.auth_data);
    const known = decodeWith(BackupVersionResponse, { ...response, algorithm: MEGOLM_BACKUP_V1 }, 'response');
    assert.ok(isLeft(known));
    assert.equal(known.left.message, 'response.auth_data.public_key: expected string, got undefined');
  });

  it('accepts any value of shared_history (only true means shareable)', () => {
    const content = { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r', session_id: 'i', session_key: 'k', shared_history: 'yes' };
    assert.ok(isRight(decodeEnvelope({ kind: 'to_device', event: { type: 'm.room_key', sender: '@a:b', content } })));
  });

  it('decodes unknown event types with any object content', () => {
    assert.ok(isRight(decodeEnvelope({ kind: 'to_device', event: { type: 'org.example.ping', sender: '@a:b', content: { x: [1] } } })));
    assert.ok(isRight(decodeEnvelope({ kind: 'to_device', event: { type: 'constructor', sender: '@a:b', content: {} } })));
  });

  it('decodes one-time keys, bare and signed, and rejects a bad signed key precisely', () => {
    assert.ok(isRight(decodeWith(OneTimeKeys, { 'curve25519:A': 'k', 'signed_curve25519:B': { key: 'k', signatures: { '@a:b': { 'ed25519:D': 's' } } } })));
    const r = decodeWith(OneTimeKeys, { 'signed_curve25519:B': { key: 'k' } }, 'one_time_keys');
    assert.ok(isLeft(r));
    assert.equal(r.left.message, 'one_time_keys.signed_curve25519:B.signatures: expected object, got undefined');
  });
});
