import { hmEntries, type HashedMap } from '../../projections/hashmap.js';
import type { LedgerState } from '../runtime/projector.js';

/** One change between two states: `old` absent means added, `new` absent means removed. */
export interface StateChange {
  readonly slice: string;
  /** Where in the slice, e.g. `devices[@alice:example.org][ALICELAPTOP].trust` (empty: the slice itself). */
  readonly path: string;
  readonly old?: unknown;
  readonly new?: unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The engine's hashed maps (`{ count, buckets }`, shared by every slice) hold their keys
 * under hash buckets; a person reading state or a diff wants the keys themselves.
 */
function isHashedMap(v: Json): v is Json & HashedMap<unknown> {
  const keys = Object.keys(v);
  return keys.length === 2 && typeof v.count === 'number' && isObject(v.buckets);
}

/** A deep copy of `value` with every hashed map shown as a plain record `{ key: value }`, sorted by key. */
export function readable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readable);
  if (!isObject(value)) return value;
  if (isHashedMap(value)) return Object.fromEntries(hmEntries(value).map(([k, v]) => [k, readable(v)]));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
}

/** `.name` for plain identifiers, `[key]` for Matrix IDs and the like, JSON-quoted when ambiguous. */
function step(key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return `.${key}`;
  return /[[\]"\s]/.test(key) || key === '' ? `[${JSON.stringify(key)}]` : `[${key}]`;
}

/** A hashed map's entries as a plain record, one level deep (values stay as they are, so unchanged ones compare by reference). */
function flat(v: unknown): unknown {
  return isObject(v) && isHashedMap(v) ? Object.fromEntries(hmEntries(v)) : v;
}

function walk(slice: string, path: string, a: unknown, b: unknown, out: StateChange[]): void {
  if (a === b) return;
  a = flat(a);
  b = flat(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length) out.push({ slice, path: `${path}[${i}]`, new: readable(b[i]) });
      else if (i >= b.length) out.push({ slice, path: `${path}[${i}]`, old: readable(a[i]) });
      else walk(slice, `${path}[${i}]`, a[i], b[i], out);
    }
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = path + step(key);
      if (!Object.hasOwn(a, key)) out.push({ slice, path: p, new: readable(b[key]) });
      else if (!Object.hasOwn(b, key)) out.push({ slice, path: p, old: readable(a[key]) });
      else walk(slice, p, a[key], b[key], out);
    }
    return;
  }
  if (Number.isNaN(a) && Number.isNaN(b)) return;
  out.push({ slice, path, old: readable(a), new: readable(b) });
}

/**
 * A structural diff of two ledger states, slice by slice, in slice order then path order:
 * the leaves that changed (a subtree that appeared or vanished is one change). Works on
 * any slice, including ones added later: it knows nothing of their shapes.
 */
export function diffStates(before: LedgerState, after: LedgerState): StateChange[] {
  const out: StateChange[] = [];
  const slices = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const slice of slices) {
    if (before[slice] === after[slice]) continue;
    walk(slice, '', before[slice], after[slice], out);
  }
  return out;
}
