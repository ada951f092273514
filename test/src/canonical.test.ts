import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, strictCanonicalJson } from '../../src/canonical.js';

/** Keys that trip a fast encoder: array indexes in and out of string order, prototype names, unicode. */
const awkwardKey = fc.oneof(
  fc.string(),
  fc.constantFrom('__proto__', 'constructor', 'toJSON', '0', '1', '2', '10', '01', '-1', '4294967295', 'b0', 'bf', ':x', '\ud800', 'é', 'z'),
  fc.nat().map(String),
);

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(awkwardKey, tie('value'), { maxKeys: 6 }),
  ),
})).value;

describe('canonical JSON', () => {
  it('gives exactly the strict encoder\'s text for any JSON value, whatever its key order', () => {
    fc.assert(
      fc.property(json, (value) => {
        assert.equal(canonicalJson(value), strictCanonicalJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps an own __proto__ key a key, and sorts array-index keys as strings', () => {
    const value = JSON.parse('{"z":1,"__proto__":{"a":2},"10":3,"2":4}') as unknown;
    const text = canonicalJson(value);
    assert.equal(text, '{"10":3,"2":4,"__proto__":{"a":2},"z":1}');
    assert.equal(text, strictCanonicalJson(value));
  });

  it('refuses what strict canonical JSON refuses', () => {
    assert.throws(() => canonicalJson({ a: Number.NaN }));
    assert.throws(() => canonicalJson({ a: () => 1 }));
    assert.throws(() => canonicalJson({ a: 1n }));
  });

  it('a toJSON that calls canonicalJson itself does not hide an unsortable key from the outer call', () => {
    const inner = { toJSON: () => canonicalJson({ b: 1, a: 2 }) };
    const value = JSON.parse('{"10":1,"2":2}') as Record<string, unknown>;
    value.x = inner;
    assert.equal(canonicalJson(value), strictCanonicalJson(value));
  });
});
