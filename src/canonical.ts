import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

// Keys sorted, no whitespace, strings escaped as JSON.stringify escapes them (`\u0001`;
// another-json's `\U0001` is not JSON), and anything JSON cannot hold (NaN, functions,
// BigInt, cycles) is an error rather than a silent `null`. safe-stable-stringify is the
// fastest well-kept encoder of that kind we measured (~3 µs for a room event against ~7.5 µs
// for RFC 8785's canonicalize), and the log hashes every entry with it.
const stringify = configure({ deterministic: true, strict: true, bigint: false, circularValue: TypeError });

/**
 * The reference encoder of Matrix canonical JSON: strict, and the definition
 * {@link canonicalJson} is checked against.
 */
export function strictCanonicalJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('not a JSON value');
  return text;
}

/** Set by {@link sortedCopy} when native `JSON.stringify` cannot give the canonical text. */
let unfit = false;
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * `JSON.stringify`'s replacer for {@link canonicalJson}: an object whose keys are
 * not in order is handed back as a copy with its keys inserted in order (a null-prototype
 * copy, so an own `__proto__` key stays a key). V8 always lists array-index keys first,
 * in numeric order, so an object with such a key out of string order cannot be fixed this
 * way; nor can a value JSON cannot hold (strict canonical JSON refuses it): both mark the
 * text unfit.
 */
function sortedCopy(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if ((typeof value === 'number' && !Number.isFinite(value)) || value === undefined || typeof value === 'function' || typeof value === 'symbol') unfit = true;
    return value;
  }
  if (Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let i = 1;
  while (i < keys.length && keys[i - 1]! < keys[i]!) i++;
  if (i >= keys.length) return value;
  sortKeys(keys);
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    if (ARRAY_INDEX.test(k)) unfit = true;
    copy[k] = (value as Record<string, unknown>)[k];
  }
  return copy;
}

/**
 * Matrix canonical JSON of a JSON value: used for signatures, entry hashes and state
 * hashes alike, so one encoding is the truth. Throws on values JSON cannot represent.
 *
 * V8's native `JSON.stringify` writes it, with a replacer that puts each object's keys in
 * order: the same text as {@link strictCanonicalJson}, several times faster (a 4.5 MB
 * state in ~50 ms instead of ~320 ms). When that cannot give the canonical text (an
 * array-index key out of order, a value JSON cannot hold), the strict encoder runs
 * instead, so the text is always the canonical one (and refusals are its refusals).
 */
export function canonicalJson(value: unknown): string {
  // A caller's toJSON or getter may itself call canonicalJson: the flag of this call is
  // kept apart from the inner one's, and the outer call's is given back.
  const outer = unfit;
  unfit = false;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, sortedCopy);
  } catch {
    unfit = true;
  }
  const fit = !unfit && text !== undefined;
  unfit = outer;
  return fit ? text! : strictCanonicalJson(value);
}

/** Objects with at most this many keys have them sorted in place, by insertion. */
const INSERTION_SORT_MAX = 32;

/**
 * An object's keys sorted in place, in the order of `Array.prototype.sort` (UTF-16 code
 * units, as `<` compares strings). Keys already in order (a canonical copy's, a log
 * entry's) are only checked; a few keys are sorted by insertion, which allocates nothing,
 * where the built-in sort allocates a work array per call (a tenth of the bytes a room
 * event allocated, which the young generation then had to collect).
 */
function sortKeys(keys: string[]): string[] {
  const n = keys.length;
  if (n > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    if (keys[j]! < k) continue;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** Thrown inside {@link canonicalCopy}'s walk when a value is outside its fast path. */
const OUTSIDE = new Error('outside the fast path');

/**
 * A value's canonical JSON together with a fresh copy of it that reads exactly as that
 * text parsed back (`JSON.parse(text)` deep-equals `value`: keys inserted in sorted order,
 * -0 as 0), or null when the value is outside the fast path: anything but null, booleans,
 * strings, finite numbers within ±(2^53−1) when integral, and plain objects and arrays;
 * an own `__proto__` or array-index key; a `toJSON`; nesting deeper than `maxDepth`
 * containers (the walk is bounded, so it never recurses further). The caller then takes
 * the general path ({@link canonicalJson} and a parse of its text).
 *
 * Each property is read once, into the copy, and the text is written from the copy: a
 * getter cannot show the text one value and the copy another. About twice as fast as
 * {@link canonicalJson} on a room event (native `JSON.stringify` without a replacer writes
 * the sorted copy), and the copy saves the caller a parse.
 */
export function canonicalCopy(value: unknown, maxDepth: number): { text: string; value: unknown } | null {
  try {
    const copy = copyOf(value, maxDepth);
    return { text: JSON.stringify(copy), value: copy };
  } catch {
    return null;
  }
}

function copyOf(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER)) throw OUTSIDE;
    return v === 0 ? 0 : v;
  }
  if (typeof v !== 'object' || depth <= 0) throw OUTSIDE;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) throw OUTSIDE;
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = copyOf(v[i], depth - 1);
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') throw OUTSIDE;
  const keys = sortKeys(Object.keys(v));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = k.charCodeAt(0);
    // An array-index key would be listed first whatever its insertion order; `__proto__`
    // would set the copy's prototype.
    if ((c >= 0x30 && c <= 0x39 && ARRAY_INDEX.test(k)) || k === '__proto__') throw OUTSIDE;
    out[k] = copyOf((v as Record<string, unknown>)[k], depth - 1);
  }
  return out;
}

// crypto.hash (Node >= 20.12) is a one-shot digest without a Hash object: ~40% cheaper for
// an entry-sized input, and the log hashes every entry.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return oneShot !== undefined ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}
