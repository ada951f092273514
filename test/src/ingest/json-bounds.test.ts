import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, scanJson } from '../../../src/ingest/json-bounds.js';

/** What the scanner should find in a value without duplicate keys (a recursive reference: test data only). */
function reference(value: unknown, depth = 0): string | null {
  if (typeof value === 'number') return !Number.isFinite(value) || (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) ? 'integer_out_of_range' : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth + 1 > MAX_JSON_DEPTH) return 'too_deep';
  for (const v of Object.values(value)) {
    const found = reference(v, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

describe('ingestion: the JSON bound scanner', () => {
  it('finds exactly what a recursive reference finds in any JSON text without duplicates', () => {
    const nested = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), fc.array(tie('value'), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 2 })),
    })).value;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nested, fc.integer({ min: 60, max: 70 }).map((d) => JSON.parse(`${'['.repeat(d)}${']'.repeat(d)}`) as unknown)), (value) => {
        const problem = scanJson(JSON.stringify(value));
        assert.equal(problem?.kind ?? null, reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it('names duplicate keys after unescaping, at their path', () => {
    assert.deepEqual(scanJson('[1,{"a":[1,2,{"b":1,"b":2}]}]')?.path, '1.a.2.b');
    assert.equal(scanJson('{"\\u0061":1,"a":2}')?.kind, 'duplicate_key');
    assert.equal(scanJson('{"a\\\\":1,"a\\"":2}'), null, 'a\\ and a" are different keys');
    assert.equal(scanJson('{"x":"q\\"","y":"\\\\","x2":1}'), null);
    assert.equal(scanJson('{"a":{"k":1},"b":{"k":1}}'), null, 'the same key in two objects is fine');
    const many = `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k17":0}`;
    assert.equal(scanJson(many)?.path, 'k17');
  });

  it('refuses integers outside ±(2^53−1), and numbers that are not finite', () => {
    assert.equal(scanJson('{"n":9007199254740991}'), null);
    assert.equal(scanJson('{"n":-9007199254740991}'), null);
    assert.equal(scanJson('{"n":9007199254740993}')?.kind, 'integer_out_of_range');
    assert.equal(scanJson('[0,-9007199254740992]')?.path, '1');
    assert.equal(scanJson('{"n":1e400}')?.kind, 'integer_out_of_range');
    assert.equal(scanJson('{"n":0.5,"m":1.5e3}'), null);
  });
});
