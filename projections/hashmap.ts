/**
 * A map laid out as a tree of small hashed buckets, so that immer copies a few small
 * objects on an update (or on the first read through a draft) instead of one record
 * holding every key: the cost of one entry stays flat from a hundred entities to a million.
 *
 * Four levels of 16 buckets (65,536 leaves): every object on the path keeps few
 * properties, and V8 copies a small object in well under a microsecond while an object
 * past ~128 properties turns into a dictionary and costs ~40 µs to spread (measured).
 *
 * Plain JSON all the way down (snapshots and state hashes need no special cases); the
 * bucket of a key depends on the key alone (FNV-1a), never on insertion order. Keys are
 * stored with a `:` in front: keys come from the network, and a key such as `__proto__`
 * must stay data, never reach an object's prototype.
 */
export interface HashedMap<V> {
  count: number;
  buckets: Bucket<V>;
}

/** An inner node (keys `b0`…`bf`) or a leaf (keys `:<key>`). */
export type Bucket<V> = { [k: string]: Bucket<V> | V };

/** Changing the layout invalidates every snapshot: the projector adds this to the slice versions. */
export const HASHED_MAP_LAYOUT = 2;

const LEVELS = 4;
const NIBBLE = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9', 'ba', 'bb', 'bc', 'bd', 'be', 'bf'];

export function emptyHashedMap<V>(): HashedMap<V> {
  return { count: 0, buckets: {} };
}

/** The key's bucket hash: FNV-1a, mixed by murmur3's finaliser; level `l` takes nibble `l`. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // FNV-1a alone spreads similar keys poorly over its low bits; murmur3's finaliser mixes them.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The bucket name at `level` of a key's path (no array per lookup: lookups are the hot path of a fold). */
const stepOf = (h: number, level: number): string => NIBBLE[(h >>> (4 * level)) & 0xf]!;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function leafOf<V>(map: HashedMap<V>, key: string): Bucket<V> | undefined {
  let node: Bucket<V> | undefined = map.buckets;
  const h = hashOf(key);
  for (let level = 0; level < LEVELS; level++) {
    const step = stepOf(h, level);
    node = node !== undefined && own(node, step) ? (node[step] as Bucket<V>) : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

export function hmGet<V>(map: HashedMap<V>, key: string): V | undefined {
  const leaf = leafOf(map, key);
  const k = `:${key}`;
  return leaf !== undefined && own(leaf, k) ? (leaf[k] as V) : undefined;
}

/**
 * Reads a value without making drafts: on an immer draft each step of `hmGet` goes through
 * the proxy's traps and drafts (copies) every object on the path, which made lookups the
 * largest cost of folding a room event. This reads the latest values through property
 * descriptors instead, so nothing is drafted or copied.
 *
 * The value may be a plain object of the previous state: NEVER mutate what this returns
 * (use `hmGet` for a value you will change). Selectors and read-only checks use this.
 */
export function hmPeek<V>(map: HashedMap<V>, key: string): V | undefined {
  let node: unknown = peek(map, 'buckets');
  const h = hashOf(key);
  for (let level = 0; level < LEVELS; level++) {
    node = peek(node, stepOf(h, level));
    if (node === undefined) return undefined;
  }
  return peek(node, `:${key}`) as V | undefined;
}

/**
 * immer's key for a draft's state (`Symbol.for('immer-state')` since immer 5): a draft
 * answers it from its proxy's `get` trap without drafting anything, and the state's
 * `copy_` (once written) or `base_` is the latest object behind the draft.
 */
const DRAFT_STATE = Symbol.for('immer-state');

/**
 * `node[key]` as it stands, without drafting. On a draft, the latest object behind it is
 * read directly; the property-descriptor trap did the same but made a descriptor object
 * per step, which was most of the cost of a lookup in a fold.
 */
function peek(node: unknown, key: string): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  const draft = (node as { [DRAFT_STATE]?: { copy_?: object | null; base_?: object } })[DRAFT_STATE];
  if (draft === undefined) return own(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  const latest = draft.copy_ || draft.base_;
  // Another immer layout: the descriptor trap reads the same value, more slowly.
  if (latest === undefined || latest === null) return Object.getOwnPropertyDescriptor(node, key)?.value;
  return own(latest, key) ? (latest as Record<string, unknown>)[key] : undefined;
}

export function hmHas<V>(map: HashedMap<V>, key: string): boolean {
  return hmPeek(map, key) !== undefined;
}

/** Sets `key` on a draft (or any mutable map). */
export function hmSet<V>(map: HashedMap<V>, key: string, value: V): void {
  let node = map.buckets;
  const h = hashOf(key);
  for (let level = 0; level < LEVELS; level++) {
    const step = stepOf(h, level);
    if (peek(node, step) === undefined) node[step] = {};
    node = node[step] as Bucket<V>;
  }
  const k = `:${key}`;
  if (peek(node, k) === undefined) map.count++;
  node[k] = value;
}

export function hmDelete<V>(map: HashedMap<V>, key: string): boolean {
  const leaf = leafOf(map, key);
  const k = `:${key}`;
  if (leaf === undefined || !own(leaf, k)) return false;
  delete leaf[k];
  map.count--;
  return true;
}

/** Every key, sorted, so callers never depend on insertion order. */
export function hmKeys<V>(map: HashedMap<V>): string[] {
  const keys: string[] = [];
  const walk = (node: Bucket<V>, depth: number) => {
    for (const k of Object.keys(node)) {
      if (depth === LEVELS) keys.push(k.slice(1));
      else walk(node[k] as Bucket<V>, depth + 1);
    }
  };
  walk(map.buckets, 0);
  return keys.sort();
}

/** Every [key, value], sorted by key. */
export function hmEntries<V>(map: HashedMap<V>): [string, V][] {
  return hmKeys(map).map((k) => [k, hmGet(map, k) as V]);
}
