import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { REDACTED, redactRawText, redactSecrets } from '../../../src/index.js';
import { JWK_PRIVATE_MEMBERS, SECRET_LOCATIONS } from '../../../src/secrets/locations.js';
import { SEALED, countSecrets, mayHoldSecret, takeOutSecrets } from '../../../src/secrets/walk.js';
import { readSpecYaml } from '../../events/reference.js';

const MARKER = 'WALK-MARKER-0b7d';

/** `{ a: { a: … { a: leaf } } }`, `depth` levels, built without recursion. */
function nested(depth: number, leaf: unknown): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('secrets: the walk', () => {
  it('takes out the spec example\'s m.room_key_bundle file key (a JWK `k`), keeping the rest', () => {
    const example = readSpecYaml('event-schemas/examples/m.room_key_bundle.yaml') as { type: string; content: { file: { key: { k: string } } } };
    const k = example.content.file.key.k;
    const { value, found } = takeOutSecrets(example, SEALED);
    assert.equal(found, 1);
    assert.ok(!JSON.stringify(value).includes(k));
    assert.deepEqual({ ...value.content.file.key, k: 'x' }, { ...example.content.file.key, k: 'x' });
    assert.equal(value.content.file.key.k, SEALED);
    assert.ok(!JSON.stringify(redactSecrets(example)).includes(k), 'redaction for output finds it too');
  });

  it('takes out a JWK\'s private members and any EncryptedFile key anywhere, under any event type', () => {
    const content = {
      attachments: [{ url: 'mxc://x/y', key: { kty: 'oct', k: MARKER, alg: 'A256CTR' }, iv: 'iv', hashes: { sha256: 'h' } }],
      // An EncryptedFile whose key is not even an object.
      thumbnail_file: { url: 'mxc://x/z', key: `${MARKER}-2`, iv: 'iv' },
      // A private EC key: `d` is secret, `x` and `y` are not.
      signing: { kty: 'EC', crv: 'P-256', x: 'pubx', y: 'puby', d: `${MARKER}-3` },
    };
    const { value, found } = takeOutSecrets({ type: 'org.example.custom', content }, SEALED);
    assert.equal(found, 3);
    assert.ok(!JSON.stringify(value).includes(MARKER));
    assert.equal(value.content.signing.x, 'pubx');
    assert.equal(value.content.attachments[0]!.key.alg, 'A256CTR');
  });

  it('leaves public keys alone, and placeholders when asked: redacting what the log sealed then changes nothing', () => {
    const logged = { type: 'm.room_key', content: { session_key: SEALED, session_id: 'S', room_id: '!r' }, keys: { ed25519: 'pub' } };
    assert.deepEqual(takeOutSecrets(logged, REDACTED, { keepPlaceholders: true }), { value: logged, found: 0 });
    assert.equal(redactSecrets(logged).content.session_key, REDACTED, 'output for people says redacted');
  });

  it('walks a 10,000-deep payload without overflowing the stack, and finds a secret at the bottom', () => {
    const deep = nested(10_000, { type: 'm.secret.send', content: { request_id: 'r', secret: MARKER } });
    const { value, found } = takeOutSecrets(deep, SEALED);
    assert.equal(found, 1);
    let v = value as { a?: unknown; content?: { secret: string } };
    for (let i = 0; i < 10_000; i++) v = v.a as typeof v;
    assert.equal(v.content!.secret, SEALED);
    assert.doesNotThrow(() => redactSecrets(deep));
  });

  it('keeps an own "__proto__" key as data, not as the copy\'s prototype', () => {
    const input = JSON.parse('{"__proto__":{"secret":"' + MARKER + '"},"x":1}') as Record<string, unknown>;
    const { value } = takeOutSecrets(input, SEALED);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(value, '__proto__'));
    assert.equal(JSON.stringify(value), '{"__proto__":{"secret":"[sealed]"},"x":1}');
  });

  it('redacts raw text: escaped names, duplicate keys, a JWK in text that does not parse, a deep text', () => {
    const cases = [
      `{"type":"m.secret.send","content":{"secret":"${MARKER}","secret":"[redacted]"}}`,
      `{"session\\u005fkey":"${MARKER}"`,
      `{"content":{"file":{"key":{"kty":"oct","k":"${MARKER}"`,
      `${'['.repeat(5000)}{"kty":"oct","k":"${MARKER}"}${']'.repeat(5000)}`,
      `${'{"a":'.repeat(10_000)}{"secret":"${MARKER}"}${'}'.repeat(10_000)}`,
    ];
    for (const raw of cases) assert.ok(!redactRawText(raw).includes(MARKER), raw.slice(0, 80));
  });

  it('property: a secret at any listed location, inside any JSON, at any depth, never survives; nothing else changes', () => {
    const located = SECRET_LOCATIONS.filter((l) => l.eventType !== null);
    fc.assert(
      fc.property(
        fc.constantFrom(...located),
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
        fc.array(fc.constantFrom('array', 'object'), { maxLength: 30 }),
        (location, around, wrappers) => {
          const content: Record<string, unknown> = { ...around };
          let at = content;
          for (const seg of location.path.slice(0, -1)) at = (at[seg] = {}) as Record<string, unknown>;
          at[location.path[location.path.length - 1]!] = location.shape === 'encrypted_file' ? { key: { k: MARKER } } : MARKER;
          let value: unknown = { type: location.eventType, content };
          for (const w of wrappers) value = w === 'array' ? [value] : { w: value };
          const { value: out, found } = takeOutSecrets(value, SEALED);
          assert.ok(found >= 1);
          assert.ok(!JSON.stringify(out).includes(MARKER));
          // Ingestion counts before it copies: the count must see every secret the copy takes out.
          assert.equal(countSecrets(value, SEALED), found);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const { value: out, found } = takeOutSecrets(value, SEALED);
        if (found === 0) assert.equal(JSON.stringify(out), JSON.stringify(value));
        assert.equal(countSecrets(value, SEALED), found);
      }),
      { numRuns: 300 },
    );
  });

  it('the count\'s first pass sends on every kind of secret the walk takes out, each alone in its value', () => {
    const alone: unknown[] = [
      ...SECRET_LOCATIONS.filter((l) => l.eventType !== null).map((l) => {
        const content: Record<string, unknown> = {};
        let at = content;
        for (const seg of l.path.slice(0, -1)) at = (at[seg] = {}) as Record<string, unknown>;
        at[l.path[l.path.length - 1]!] = 'x';
        return { type: l.eventType, content };
      }),
      ...[...JWK_PRIVATE_MEMBERS].map((m) => ({ kty: 'oct', [m]: 'x' })),
      { url: 'mxc://a/b', key: 'x', iv: 'y' },
      [{ key: 'x', hashes: { sha256: 'h' } }],
      ...['private_key', 'PrivateKey', 'recovery_key', 'RECOVERYKEY', 'passphrase', 'Pickle'].map((name) => ({ nested: { [name]: 'x' } })),
    ];
    for (const value of alone) {
      assert.ok(takeOutSecrets(value, SEALED).found >= 1, JSON.stringify(value));
      assert.ok(mayHoldSecret(value), JSON.stringify(value));
      assert.ok(countSecrets(value, SEALED) >= 1, JSON.stringify(value));
    }
  });

  it('property: the count\'s first pass says "no secret" only where the walk finds none (names the rules read, any case)', () => {
    // Keys drawn mostly from names the rules read or look beside, so secrets are common.
    const slots = [...new Set([...SECRET_LOCATIONS.flatMap((l) => l.path), ...JWK_PRIVATE_MEMBERS, 'key', 'private_key', 'RecoveryKey', 'passphrase', 'Pickle'])];
    const beside = [...new Set(SECRET_LOCATIONS.map((l) => l.eventType ?? 'type')), 'kty', 'iv', 'hashes', 'type', 'content', 'url', 'body', 'keys'];
    const key = fc.oneof({ arbitrary: fc.constantFrom(...slots), weight: 1 }, { arbitrary: fc.constantFrom(...beside), weight: 4 }, { arbitrary: fc.string({ maxLength: 4 }), weight: 1 });
    const leaf = fc.oneof(fc.constant(null), fc.string({ maxLength: 6 }), fc.constantFrom(...beside), fc.integer(), fc.boolean());
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { arbitrary: leaf, weight: 1 },
        { arbitrary: fc.array(tie('tree'), { maxLength: 3 }), weight: 1 },
        { arbitrary: fc.dictionary(key, tie('tree'), { minKeys: 1, maxKeys: 5 }), weight: 3 },
      ),
    }));
    let withSecret = 0;
    let without = 0;
    fc.assert(
      fc.property(tree, (value) => {
        const found = takeOutSecrets(value, SEALED).found;
        if (found > 0) withSecret++;
        if (!mayHoldSecret(value)) without++;
        if (found > 0) assert.ok(mayHoldSecret(value), JSON.stringify(value));
        assert.equal(countSecrets(value, SEALED), found);
      }),
      { numRuns: 3000 },
    );
    assert.ok(withSecret > 300 && without > 300, `${withSecret} generated values held a secret, ${without} passed the first pass`);
  });

  it('the first pass lets an unencrypted message by without the walk, and sends on anything with a name the rules read', () => {
    for (const file of ['m.room.message$m.key.verification.request.yaml', 'm.room.encrypted$megolm.yaml']) {
      assert.equal(mayHoldSecret(readSpecYaml(`event-schemas/examples/${file}`)), false, file);
    }
    assert.equal(mayHoldSecret(readSpecYaml('event-schemas/examples/m.room_key.yaml')), true);
    assert.equal(mayHoldSecret({ type: 'm.room.message', content: { body: 'hi', nested: [{ deep: { Passphrase: 'x' } }] } }), true);
    assert.equal(mayHoldSecret({ a: [[{ d: 1 }]] }), true, 'a JWK member anywhere, whatever its value');
  });
});
