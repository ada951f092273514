import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_LOCATIONS, type SecretShape } from '../../../src/secrets/locations.js';
import { takeOutSecrets } from '../../../src/secrets/walk.js';
import { readSpecYaml, specRoot } from '../../events/reference.js';

/**
 * How a schema says a field is secret, in its own words. A field whose description says
 * one of these is a secret the table must list; nothing else is (public keys, IDs and
 * signatures are described without them).
 */
const SECRET_WORDS = /\b(?:key to be exchanged|session key|contents of the secret|shared secret|decryption keys? for|private key|passphrase|recovery key)\b/i;

interface Described { schema: string; path: string[]; shape: SecretShape; description: string }

type Schema = { properties?: Record<string, Schema>; allOf?: Schema[]; oneOf?: Schema[]; anyOf?: Schema[]; items?: Schema; additionalProperties?: Schema | boolean; description?: string; title?: string };

/** Every property of `node` (own, and of inline allOf/oneOf/anyOf, items, maps), with its path. */
function* properties(node: Schema | undefined, path: string[]): Generator<{ path: string[]; schema: Schema }> {
  if (node === undefined || node === null || typeof node !== 'object') return;
  for (const [name, schema] of Object.entries(node.properties ?? {})) {
    yield { path: [...path, name], schema };
    yield* properties(schema, [...path, name]);
  }
  for (const list of [node.allOf, node.oneOf, node.anyOf]) for (const s of list ?? []) yield* properties(s, path);
  if (node.items !== undefined) yield* properties(node.items, [...path, '*']);
  if (typeof node.additionalProperties === 'object') yield* properties(node.additionalProperties, [...path, '*']);
}

/** Every field the spec's event schemas (inside `content`) and definitions describe as secret. */
function describedSecrets(): Described[] {
  const out: Described[] = [];
  for (const dir of ['event-schemas/schema', 'api/definitions']) {
    for (const file of readdirSync(join(specRoot, dir)).filter((f) => f.endsWith('.yaml')).sort()) {
      const schema = `${dir}/${file}`;
      const doc = readSpecYaml(schema) as Schema;
      const event = dir.startsWith('event-schemas');
      const root = event ? doc.properties?.['content'] : doc;
      for (const { path, schema: s } of properties(root, [])) {
        // Markdown links and code marks read as their text.
        const description = `${s.title ?? ''} ${s.description ?? ''}`.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '').replace(/\s+/g, ' ').trim();
        if (!SECRET_WORDS.test(description)) continue;
        out.push({ schema, path, shape: /EncryptedFile/.test(description) ? 'encrypted_file' : 'value', description });
      }
    }
  }
  return out;
}

const key = (schema: string, path: readonly string[]) => `${schema} ${path.join('.')}`;

describe('secrets: the table of secret locations is the spec\'s', () => {
  const described = describedSecrets();

  it('finds secrets in the schemas at all (the reference is there and the words match)', () => {
    assert.ok(described.length >= 5, JSON.stringify(described));
  });

  it('lists every field a schema describes as secret, with the same shape', () => {
    const listed = new Map(SECRET_LOCATIONS.map((l) => [key(l.schema, l.path), l]));
    for (const d of described) {
      const l = listed.get(key(d.schema, d.path));
      assert.ok(l !== undefined, `${key(d.schema, d.path)} is described as secret ("${d.description}") but not in SECRET_LOCATIONS`);
      assert.equal(l.shape, d.shape, key(d.schema, d.path));
    }
  });

  it('lists nothing the schemas do not describe as secret, and quotes their words', () => {
    const found = new Map(described.map((d) => [key(d.schema, d.path), d]));
    for (const l of SECRET_LOCATIONS) {
      assert.ok(existsSync(join(specRoot, l.schema)), `${l.schema} does not exist`);
      const d = found.get(key(l.schema, l.path));
      assert.ok(d !== undefined, `${key(l.schema, l.path)} is listed but its schema does not describe it as secret`);
      assert.ok(d.description.includes(l.because), `${key(l.schema, l.path)}: "${l.because}" is not the schema's wording`);
      if (l.eventType !== null) assert.match(l.schema, new RegExp(`/${l.eventType.replace(/\./g, '\\.')}(\\$|\\.yaml)`), 'the event type is the schema\'s');
    }
  });

  it('takes out every listed secret of an event, by its type, whatever else the content holds', () => {
    const MARKER = 'SCHEMA-MARKER-5e3c';
    for (const l of SECRET_LOCATIONS.filter((x) => x.eventType !== null)) {
      const content: Record<string, unknown> = { room_id: '!r:example.org', other: 'kept' };
      let at = content;
      for (const seg of l.path.slice(0, -1)) at = (at[seg] = {}) as Record<string, unknown>;
      const leaf = l.path[l.path.length - 1]!;
      // An EncryptedFile's key without `kty`, iv or hashes: the table alone must find it.
      at[leaf] = l.shape === 'encrypted_file' ? { url: 'mxc://example.org/f', key: { k: MARKER } } : MARKER;
      const event = { type: l.eventType, sender: '@a:example.org', content };
      const { value, found } = takeOutSecrets(event, '[sealed]');
      assert.equal(found, 1, key(l.schema, l.path));
      assert.ok(!JSON.stringify(value).includes(MARKER), key(l.schema, l.path));
      assert.equal((value.content as Record<string, unknown>)['other'], 'kept');
    }
  });
});
