import { strict as assert } from 'node:assert';
import type * as t from 'io-ts';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import {
  BackupVersionResponse, CrossSigningKey, DeviceKeys, KeyBackupContent, KeysQueryResponse, MegolmBackupV1AuthData,
  GenericStartContent, OlmPlaintext, decodeEnvelope, decodeEventContent, decodeWith, inRoom, roomContentCodecs, toDevice,
  toDeviceContentCodecs,
} from '../../events/index.js';
import { at, eventExamples, exampleFromSchemaProperties, readSpecYaml } from './reference.js';

const ROOM_ONLY = new Set(['m.room.message']);

/**
 * Examples of a schema that lists only the fields common to all variants: they are
 * checked against that schema's codec. `m.key.verification.start.yaml` says
 * `method: m.sas.v1` without the SAS fields, which no real SAS start omits, so through
 * the envelope (dispatch by method) it is rightly rejected.
 */
const COMMON_FIELDS_EXAMPLES: Record<string, { toDevice: t.Decoder<unknown, unknown>; inRoom: t.Decoder<unknown, unknown>; envelopeFailure: string }> = {
  'm.key.verification.start.yaml': {
    toDevice: toDevice(GenericStartContent),
    inRoom: inRoom(GenericStartContent),
    envelopeFailure: 'event.content.key_agreement_protocols: expected array, got undefined',
  },
};
const examples = eventExamples();

/** Wraps an example's content into the envelope it would arrive in. */
function envelopeFor(type: string, content: unknown): unknown {
  if (ROOM_ONLY.has(type) || (type === 'm.room.encrypted' && (content as { algorithm?: string }).algorithm === 'm.megolm.v1.aes-sha2')) {
    return {
      kind: 'room_event', room_id: '!r:example.org',
      event: { type, content, event_id: '$e', sender: '@alice:example.org', origin_server_ts: 1432735824653 },
    };
  }
  return { kind: 'to_device', event: { type, content, sender: '@alice:example.org' } };
}

describe('events: official spec examples', () => {
  it('finds the examples folder', () => {
    assert.ok(examples.length > 10, `only ${examples.length} examples found`);
  });

  const known = (type: string) => type in toDeviceContentCodecs || type in roomContentCodecs || type === 'm.key_backup';
  const covered = examples.filter((e) => known(e.type));

  it('covers every family', () => {
    const types = new Set(covered.map((e) => e.type));
    for (const type of ['m.room.encrypted', 'm.room_key', 'm.forwarded_room_key', 'm.room_key_request', 'm.room_key.withheld',
      'm.key.verification.start', 'm.key.verification.mac', 'm.secret.request', 'm.secret.send', 'm.dummy', 'm.room.message']) {
      assert.ok(types.has(type), `no example of ${type}`);
    }
  });

  for (const example of examples) {
    if (!known(example.type)) continue;
    it(`decodes ${example.file}`, () => {
      if (example.type === 'm.key_backup') {
        const r = decodeWith(KeyBackupContent, example.content, 'content');
        assert.ok(isRight(r), isLeft(r) ? r.left.message : '');
        return;
      }
      const common = COMMON_FIELDS_EXAMPLES[example.file];
      const where = ROOM_ONLY.has(example.type) ? 'room' : 'to_device';
      const content = common
        ? decodeWith(common.toDevice, example.content, 'content')
        : decodeEventContent(example.type, example.content, 'content', where);
      assert.ok(isRight(content), isLeft(content) ? content.left.message : '');
      assert.equal(content.right, example.content, 'decoding must return the input itself');

      const input = envelopeFor(example.type, example.content);
      const envelope = decodeEnvelope(input);
      if (common) {
        assert.ok(isLeft(envelope));
        assert.equal(envelope.left.message, common.envelopeFailure);
        return;
      }
      assert.ok(isRight(envelope), isLeft(envelope) ? envelope.left.message : '');
      assert.equal(envelope.right, input);
    });
  }

  // The to-device examples carry transaction_id; the same step in a room carries m.relates_to instead.
  for (const example of examples) {
    if (!example.type.startsWith('m.key.verification.') || !(example.type in roomContentCodecs)) continue;
    it(`decodes ${example.file} in its in-room form`, () => {
      const { transaction_id: _omitted, ...rest } = example.content as Record<string, unknown>;
      const content = { ...rest, 'm.relates_to': { rel_type: 'm.reference', event_id: '$request' } };
      const common = COMMON_FIELDS_EXAMPLES[example.file];
      const r = common ? decodeWith(common.inRoom, content, 'content') : decodeEventContent(example.type, content, 'content', 'room');
      assert.ok(isRight(r), isLeft(r) ? r.left.message : '');
      const sentToDevice = common ? decodeWith(common.toDevice, content, 'content') : decodeEventContent(example.type, content, 'content', 'to_device');
      assert.ok(isLeft(sentToDevice));
      assert.equal(sentToDevice.left.path, 'content.transaction_id');
    });
  }
});

describe('events: spec API examples', () => {
  it('decodes the /keys/query response example, device by device', () => {
    const schema = at(readSpecYaml('api/keys.yaml'), 'paths', '/keys/query', 'post', 'responses', '200', 'content', 'application/json', 'schema');
    const response = exampleFromSchemaProperties(schema);
    assert.ok(response.device_keys && response.master_keys, 'example lost its device_keys or master_keys');
    const r = decodeWith(KeysQueryResponse, response, 'response');
    assert.ok(isRight(r), isLeft(r) ? r.left.message : '');
    for (const devices of Object.values(r.right.device_keys ?? {})) {
      for (const device of Object.values(devices)) assert.ok(isRight(decodeWith(DeviceKeys, device)));
    }
    for (const field of ['master_keys', 'self_signing_keys', 'user_signing_keys'] as const) {
      for (const key of Object.values(r.right[field] ?? {})) {
        const k = decodeWith(CrossSigningKey, key);
        assert.ok(isRight(k), isLeft(k) ? k.left.message : '');
      }
    }
  });

  it('decodes the GET /room_keys/version response example with its auth_data', () => {
    const schema = at(readSpecYaml('api/key_backup.yaml'), 'paths', '/room_keys/version', 'get', 'responses', '200', 'content', 'application/json', 'schema');
    const response = exampleFromSchemaProperties(schema);
    const r = decodeWith(BackupVersionResponse, response, 'response');
    assert.ok(isRight(r), isLeft(r) ? r.left.message : '');
    assert.ok(isRight(decodeWith(MegolmBackupV1AuthData, r.right.auth_data)));
  });

  it('decodes the Olm plaintext example (with an object as content)', () => {
    // The example's content is a placeholder string; the schema says it is an object.
    const example = at(readSpecYaml('api/definitions/olm_plaintext.yaml'), 'example') as Record<string, unknown>;
    const r = decodeWith(OlmPlaintext, { ...example, content: {} });
    assert.ok(isRight(r), isLeft(r) ? r.left.message : '');
    const bad = decodeWith(OlmPlaintext, example, 'plaintext');
    assert.ok(isLeft(bad));
    assert.equal(bad.left.message, 'plaintext.content: expected object, got string');
  });
});
