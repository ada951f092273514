/**
 * The reason-code lists are the contract with the README's decision table: every code a
 * reducer can decide is listed, every listed code quotes the spec verbatim, and every
 * code of the identities slice is exercised by a test.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReasonCode } from '../../projections/codes.js';
import { identityCodes } from '../../projections/identities/codes.js';
import { reasonCodes } from '../../src/index.js';
import { specRoot } from '../events/reference.js';

const root = process.cwd();

function filesUnder(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, suffix) : path.endsWith(suffix) ? [path] : [];
  });
}

/** Every ReasonCode exported by a compiled `projections/**\/codes.js`. */
async function listedCodes(): Promise<Map<string, ReasonCode>> {
  const out = new Map<string, ReasonCode>();
  for (const file of filesUnder(join(root, 'dist/projections'), 'codes.js')) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value !== 'object' || value === null) continue;
      for (const c of Object.values(value as Record<string, unknown>)) {
        const rc = c as ReasonCode;
        if (typeof rc?.code === 'string' && typeof rc.spec === 'string') out.set(rc.code, rc);
      }
    }
  }
  return out;
}

const normalise = (text: string) => text.replace(/\s+/g, ' ');

/** The spec text a quote may come from: the E2EE module, its API definitions, its event schemas, and the seed change. */
function specCorpus(): string {
  const texts = [
    ...filesUnder(join(specRoot, 'modules'), '.md'),
    ...filesUnder(join(specRoot, 'api'), '.yaml'),
    ...filesUnder(join(specRoot, 'event-schemas/schema'), '.yaml'),
    join(dirname(specRoot), 'spec-change-e2ee-security.diff.txt'),
  ].map((f) => readFileSync(f, 'utf8'));
  return normalise(texts.join('\n'));
}

describe('projections: reason codes', () => {
  let listed: Map<string, ReasonCode>;
  before(async () => { listed = await listedCodes(); });

  it('every code literal a reducer decides is in some codes.ts list', () => {
    const sources = [...filesUnder(join(root, 'projections'), '.ts'), join(root, 'src/runtime/projector.ts')].filter((f) => !f.endsWith('codes.ts'));
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bcode:\s*'([^']+)'/g)) if (!listed.has(m[1]!)) missing.push(`${relative(root, file)}: ${m[1]}`);
      for (const m of text.matchAll(/\brecord\(ctx,\s*'([^']+)'/g)) if (!listed.has(m[1]!)) missing.push(`${relative(root, file)}: ${m[1]}`);
    }
    assert.deepEqual(missing, []);
    assert.ok(listed.has('input.rejected') && listed.has('device.added'), 'the lists were found');
  });

  it('every listed code has a summary, a section, and quotes the spec verbatim (or says it goes beyond it)', () => {
    const corpus = specCorpus();
    const wrong: string[] = [];
    for (const c of listed.values()) {
      assert.ok(c.summary.length > 0 && c.section.length > 0, c.code);
      assert.match(c.code, /^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'stable snake_case name (dotted by family where the issue did not name it)');
      if (c.spec.startsWith('beyond the spec')) continue;
      for (const quote of c.spec.split(' … ')) if (!corpus.includes(normalise(quote))) wrong.push(`${c.code}: ${quote}`);
    }
    assert.deepEqual(wrong, [], 'quotes not found verbatim in the reference spec');
  });

  it('every identities code is decided by the slice and exercised by a test', () => {
    const source = filesUnder(join(root, 'projections/identities'), '.ts').filter((f) => !f.endsWith('codes.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
    const tests = filesUnder(join(root, 'test/projections/identities'), '.test.ts').map((f) => readFileSync(f, 'utf8')).join('\n');
    const collides = 'device_id_collides_with_cross_signing_key';
    for (const code of Object.keys(identityCodes)) {
      assert.ok(source.includes(`'${code}'`), `${code} is never decided`);
      assert.ok(tests.includes(`'${code}'`) || (code === collides && tests.includes('COLLIDES')), `${code} has no test`);
    }
  });

  it('every listed code is registered in reasonCodes (which the README table is generated from)', () => {
    const registered = new Set(reasonCodes.map((c) => c.code));
    assert.deepEqual([...listed.keys()].filter((code) => !registered.has(code)), []);
  });
});
