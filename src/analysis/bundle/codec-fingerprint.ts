import * as events from '../../../events/index.js';
import { canonicalJson, sha256Hex } from '../../canonical.js';
import type { SliceVersions } from '../../runtime/projector.js';

/**
 * What the codecs of this engine accept, reduced to hashes: an incident bundle records
 * them, and a bundle made by an engine whose codecs differ is refused (the same entry
 * could decode, and so be judged, differently).
 *
 * What goes in, per export of `events/index.ts` (the wire codecs, by their exported name):
 * - an io-ts codec: its structural description: `_tag`, `name`, and its parts (props of
 *   `t.type`/`t.partial`/`t.strict`, members of unions, intersections and tuples, the inner
 *   codec of arrays, refinements, `t.exact`, `t.readonly`, domain and codomain of records,
 *   literal values, keyof keys). Hand-written codecs (`dispatchOn`, user actions) show
 *   their name only; their branches are exported codecs of their own, so they are covered.
 * - a table of codecs (`toDeviceContentCodecs`, `roomContentCodecs`, `userActionCodecs`):
 *   its keys and the names of their codecs, so a newly understood event type shows.
 * - a string or number constant (`MEGOLM_V1`, …): its value.
 * Functions are left out. Facts (`events/facts.ts`) have no runtime codec: their shape is
 * versioned by the slice versions, which are part of the overall digest.
 */
export interface CodecFingerprint {
  /** SHA-256 (hex) over every part and the slice versions. */
  readonly digest: string;
  /** Export name → first 16 hex digits of the SHA-256 of its description (tells which part changed). */
  readonly parts: Readonly<Record<string, string>>;
}

interface Codec {
  readonly name: string;
  readonly _tag?: string;
  validate(u: unknown, c: unknown): unknown;
  is(u: unknown): boolean;
}

function isCodec(v: unknown): v is Codec {
  return typeof v === 'object' && v !== null && typeof (v as Codec).validate === 'function' && typeof (v as Codec).is === 'function' && typeof (v as Codec).name === 'string';
}

/** A JSON description of a codec's structure; `seen` stops recursive codecs. */
function describe(codec: Codec, seen: Set<Codec>): unknown {
  if (seen.has(codec)) return { ref: codec.name };
  seen.add(codec);
  try {
    const c = codec as unknown as Record<string, unknown>;
    const sub = (v: unknown) => (isCodec(v) ? describe(v, seen) : null);
    const out: Record<string, unknown> = { tag: codec._tag ?? 'Custom', name: codec.name };
    switch (codec._tag) {
      case 'InterfaceType':
      case 'PartialType':
      case 'StrictType':
        out.props = Object.fromEntries(Object.entries(c.props as Record<string, unknown>).map(([k, v]) => [k, sub(v)]));
        break;
      case 'UnionType':
      case 'IntersectionType':
      case 'TupleType':
        out.types = (c.types as unknown[]).map(sub);
        break;
      case 'ArrayType':
      case 'ReadonlyArrayType':
      case 'ReadonlyType':
      case 'ExactType':
      case 'RefinementType':
      case 'RecursiveType':
        out.type = sub(c.type);
        break;
      case 'DictionaryType':
        out.domain = sub(c.domain);
        out.codomain = sub(c.codomain);
        break;
      case 'LiteralType':
        out.value = c.value;
        break;
      case 'KeyofType':
        out.keys = Object.keys(c.keys as object).sort();
        break;
    }
    return out;
  } finally {
    seen.delete(codec);
  }
}

/** The description of one export, or undefined when it says nothing about decoding (a function). */
function describeExport(value: unknown): unknown {
  if (isCodec(value)) return describe(value, new Set());
  if (typeof value === 'string' || typeof value === 'number') return { constant: value };
  if (typeof value === 'object' && value !== null && Object.values(value).every(isCodec)) {
    return { table: Object.fromEntries(Object.entries(value as Record<string, Codec>).map(([k, v]) => [k, v.name])) };
  }
  return undefined;
}

let cachedParts: Record<string, string> | undefined;

/** This engine's codec fingerprint, with `slices` (slice versions) folded into the digest. */
export function codecFingerprint(slices: SliceVersions): CodecFingerprint {
  if (cachedParts === undefined) {
    const parts: Record<string, string> = {};
    for (const [name, value] of Object.entries(events)) {
      const description = describeExport(value);
      if (description !== undefined) parts[name] = sha256Hex(canonicalJson(description)).slice(0, 16);
    }
    cachedParts = parts;
  }
  return { digest: sha256Hex(canonicalJson({ parts: cachedParts, slices })), parts: cachedParts };
}

/** Names the parts that differ between two fingerprints: `RoomKeyContent (changed)`, … */
export function codecDifferences(recorded: Readonly<Record<string, string>>, current: Readonly<Record<string, string>>): string[] {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(current)])].sort();
  const out: string[] = [];
  for (const n of names) {
    if (!Object.hasOwn(current, n)) out.push(`${n} (not in this engine)`);
    else if (!Object.hasOwn(recorded, n)) out.push(`${n} (new in this engine)`);
    else if (recorded[n] !== current[n]) out.push(`${n} (changed)`);
  }
  return out;
}
