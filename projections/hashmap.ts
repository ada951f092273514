/**
 * A map laid out in two levels of 256 hashed buckets, so that immer copies three small
 * objects on an update instead of one record holding every key: the cost of one update
 * stays flat from a hundred entities to a million.
 *
 * Plain JSON all the way down (snapshots and state hashes need no special cases); the
 * bucket of a key depends on the key alone (FNV-1a), never on insertion order. Keys are
 * stored with a `:` in front: keys come from the network, and a key such as `__proto__`
 * must stay data, never reach an object's prototype.
 */
export interface HashedMap<V> {
  count: number;
  buckets: Record<string, Record<string, Record<string, V>>>;
}

export function emptyHashedMap<V>(): HashedMap<V> {
  return { count: 0, buckets: {} };
}

function bucketsOf(key: string): [string, string] {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  return [(h & 0xff).toString(16), ((h >>> 8) & 0xff).toString(16)];
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function hmGet<V>(map: HashedMap<V>, key: string): V | undefined {
  const [a, b] = bucketsOf(key);
  const inner = map.buckets[a]?.[b];
  const k = `:${key}`;
  return inner !== undefined && own(inner, k) ? inner[k] : undefined;
}

export function hmHas<V>(map: HashedMap<V>, key: string): boolean {
  return hmGet(map, key) !== undefined;
}

/** Sets `key` on a draft (or any mutable map). */
export function hmSet<V>(map: HashedMap<V>, key: string, value: V): void {
  const [a, b] = bucketsOf(key);
  const outer = (map.buckets[a] ??= {});
  const inner = (outer[b] ??= {});
  const k = `:${key}`;
  if (!own(inner, k)) map.count++;
  inner[k] = value;
}

export function hmDelete<V>(map: HashedMap<V>, key: string): boolean {
  const [a, b] = bucketsOf(key);
  const inner = map.buckets[a]?.[b];
  const k = `:${key}`;
  if (inner === undefined || !own(inner, k)) return false;
  delete inner[k];
  map.count--;
  return true;
}

/** Every key, sorted, so callers never depend on insertion order. */
export function hmKeys<V>(map: HashedMap<V>): string[] {
  const keys: string[] = [];
  for (const outer of Object.values(map.buckets)) {
    for (const inner of Object.values(outer)) for (const k of Object.keys(inner)) keys.push(k.slice(1));
  }
  return keys.sort();
}

/** Every [key, value], sorted by key. */
export function hmEntries<V>(map: HashedMap<V>): [string, V][] {
  return hmKeys(map).map((k) => [k, hmGet(map, k) as V]);
}
