import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalCopy, canonicalJson, strictCanonicalJson } from '../../src/canonical.js';

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

  it('canonicalCopy: the strict text and a copy that reads as that text parsed back, or null off its fast path', () => {
    let taken = 0;
    fc.assert(
      fc.property(json, (value) => {
        const fast = canonicalCopy(value, 64);
        if (fast === null) return;
        taken++;
        assert.equal(fast.text, strictCanonicalJson(value));
        assert.deepStrictEqual(fast.value, JSON.parse(fast.text));
        assert.notEqual(fast.value !== null && typeof fast.value === 'object' ? fast.value : {}, value);
      }),
      { numRuns: 2000 },
    );
    assert.ok(taken > 500, `the fast path took only ${taken} of 2000 values`);
  });

  it('sorts wide objects as the strict encoder does: keys few (sorted in place) and many (the built-in sort), astral characters included', () => {
    const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('a', 'b', 'aa', 'é', '\u{1F600}', '\uFFFF', '\uD83D', 'Z'));
    const wide = fc.dictionary(key, fc.oneof(fc.integer(), fc.string()), { minKeys: 2, maxKeys: 48 });
    let copied = 0;
    fc.assert(
      fc.property(wide, (value) => {
        const strict = strictCanonicalJson(value);
        assert.equal(canonicalJson(value), strict);
        const fast = canonicalCopy(value, 4);
        if (fast === null) return;
        copied++;
        assert.equal(fast.text, strict);
        assert.deepStrictEqual(Object.keys(fast.value as object), Object.keys(value).sort());
      }),
      { numRuns: 1000 },
    );
    assert.ok(copied > 500, `the fast path took only ${copied} of 1000 objects`);
  });

  it('canonicalCopy leaves what it cannot copy exactly to the general path', () => {
    assert.equal(canonicalCopy({ a: -0 }, 64)?.text, '{"a":0}');
    assert.ok(Object.is((canonicalCopy({ a: -0 }, 64)?.value as { a: number }).a, 0));
    for (const [i, odd] of [
      JSON.parse('{"__proto__":1}'), { '2': 1, '10': 2 }, { a: undefined }, [undefined], { a: Number.NaN }, { a: 2 ** 53 }, { a: 1n },
      new Date(0), { toJSON: () => 1 }, new Map(), [1, , 2], Object.assign(Object.create({ x: 1 }), { a: 1 }),
    ].entries()) assert.equal(canonicalCopy(odd, 64), null, `value ${i}`);
    const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
    assert.notEqual(canonicalCopy(deep(64), 64), null);
    assert.equal(canonicalCopy(deep(65), 64), null);
    let reads = 0;
    const getter = Object.defineProperty({}, 'a', { enumerable: true, get: () => ++reads });
    const copied = canonicalCopy(getter, 64)!;
    assert.equal(copied.text, '{"a":1}');
    assert.deepStrictEqual(copied.value, { a: 1 });
    assert.equal(reads, 1);
  });
});
