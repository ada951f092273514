import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { emptyHashedMap, hmDelete, hmEntries, hmGet, hmKeys, hmSet } from '../../projections/hashmap.js';

describe('hashed map', () => {
  it('behaves as a Map, with keys listed sorted whatever the insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.integer(), fc.boolean())), (ops) => {
        const hm = emptyHashedMap<number>();
        const ref = new Map<string, number>();
        for (const [k, v, del] of ops) {
          if (del) assert.equal(hmDelete(hm, k), ref.delete(k));
          else (hmSet(hm, k, v), ref.set(k, v));
        }
        assert.equal(hm.count, ref.size);
        assert.deepEqual(hmKeys(hm), [...ref.keys()].sort());
        for (const [k, v] of ref) assert.equal(hmGet(hm, k), v);
        assert.deepEqual(hmEntries(hm), [...ref.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
    );
  });

  it('keeps every object on a path small at 100,000 keys (so one update copies little)', () => {
    const hm = emptyHashedMap<number>();
    for (let i = 0; i < 100_000; i++) hmSet(hm, `!room${i}:example.org session${i}`, i);
    let widest = 0;
    const walk = (node: object) => {
      const keys = Object.keys(node);
      widest = Math.max(widest, keys.length);
      for (const k of keys) if (!k.startsWith(':')) walk((node as Record<string, object>)[k]!);
    };
    walk(hm.buckets);
    // V8 turns an object of more than ~128 properties into a slow dictionary.
    assert.ok(widest <= 32, `the widest object holds ${widest} properties`);
  });

  it('does not mistake inherited names for keys', () => {
    const hm = emptyHashedMap<number>();
    assert.equal(hmGet(hm, 'constructor'), undefined);
    hmSet(hm, '__proto__', 1);
    assert.equal(hmGet(hm, '__proto__'), 1);
  });
});
