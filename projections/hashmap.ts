/**
 * A map laid out in two levels of 256 hashed buckets, so that immer copies three small
 * objects on an update instead of one record holding every key: the cost of one update
 * stays flat from a hundred entities to a million.
 *
 * Plain JSON all the way down (snapshots and state hashes need no special cases); the
 * bucket of a key depends on the key alone (FNV-1a), never on insertion order.
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

export function hmGet<V>(map: HashedMap<V>, key: string): V | undefined {
  const [a, b] = bucketsOf(key);
  const inner = map.buckets[a]?.[b];
  return inner !== undefined && Object.prototype.hasOwnProperty.call(inner, key) ? inner[key] : undefined;
}

export function hmHas<V>(map: HashedMap<V>, key: string): boolean {
  return hmGet(map, key) !== undefined;
}

/** Sets `key` on a draft (or any mutable map). */
export function hmSet<V>(map: HashedMap<V>, key: string, value: V): void {
  const [a, b] = bucketsOf(key);
  const outer = (map.buckets[a] ??= {});
  const inner = (outer[b] ??= {});
  if (!Object.prototype.hasOwnProperty.call(inner, key)) map.count++;
  inner[key] = value;
}

export function hmDelete<V>(map: HashedMap<V>, key: string): boolean {
  const [a, b] = bucketsOf(key);
  const inner = map.buckets[a]?.[b];
  if (inner === undefined || !Object.prototype.hasOwnProperty.call(inner, key)) return false;
  delete inner[key];
  map.count--;
  return true;
}

/** Every key, sorted, so callers never depend on insertion order. */
export function hmKeys<V>(map: HashedMap<V>): string[] {
  const keys: string[] = [];
  for (const outer of Object.values(map.buckets)) {
    for (const inner of Object.values(outer)) keys.push(...Object.keys(inner));
  }
  return keys.sort();
}

/** Every [key, value], sorted by key. */
export function hmEntries<V>(map: HashedMap<V>): [string, V][] {
  return hmKeys(map).map((k) => [k, hmGet(map, k) as V]);
}
