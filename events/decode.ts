/**
 * Turning io-ts validation errors into one readable failure.
 *
 * A decode failure is stored in a `rejected_input` entry and shown to incident
 * responders, so it must name the exact field (`event.content.session_id`) and say
 * in one line what was wrong with it.
 */
import * as t from 'io-ts';
import { isRight, left, right, type Either } from 'fp-ts/lib/Either.js';

/** Why a value did not decode: the dotted path of the offending field and one readable line. */
export interface DecodeFailure { readonly path: string; readonly message: string }

/**
 * Describes a received value by its JSON kind (`string`, `number`, `array`, `null`,
 * `undefined` for a missing field, …). Values themselves are left out on purpose: a
 * failing field may hold a secret such as a session key.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** At most this many characters of a received value (or key) are quoted in a failure. */
export const MAX_QUOTED = 200;

/**
 * A received string as a failure quotes it: JSON-quoted, cut to {@link MAX_QUOTED}
 * characters. A failure is logged beside the raw input and shown to people, so quoting a
 * 20 MB value whole would store it several times over.
 */
export function quoted(value: string): string {
  return value.length <= MAX_QUOTED ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, MAX_QUOTED).toWellFormed())}… (${value.length} characters)`;
}

/** A received key as a path segment, cut the same way. */
function segment(key: string): string {
  return key.length <= MAX_QUOTED ? key : `${key.slice(0, MAX_QUOTED)}…`;
}

/** What the user should read as "expected …": JSON words, not io-ts type names. */
function describeType(type: t.Decoder<unknown, unknown>): string {
  const tagged = type as unknown as { _tag?: string; value?: unknown; keys?: object; types?: t.Decoder<unknown, unknown>[] };
  switch (tagged._tag) {
    case 'InterfaceType':
    case 'PartialType':
    case 'IntersectionType':
    case 'DictionaryType':
    case 'AnyDictionaryType':
      return 'object';
    case 'ArrayType':
    case 'AnyArrayType':
      return 'array';
    case 'LiteralType':
      return JSON.stringify(tagged.value);
    case 'KeyofType':
      return Object.keys(tagged.keys ?? {}).map((k) => JSON.stringify(k)).join(' | ');
    case 'UnionType':
      return [...new Set((tagged.types ?? []).map(describeType))].join(' | ');
    default:
      return type.name;
  }
}

interface Located { readonly segments: string[]; readonly expected: string }

/**
 * Walks an io-ts context. Intersections and unions add their member index to the
 * context although no such key exists in the JSON, so those entries are skipped;
 * a failing union member is reported as the whole union (`0 | 1`), not one branch.
 */
function locate(context: t.Context): Located {
  const segments: string[] = [];
  let expected = context.length > 0 ? context[context.length - 1].type : t.unknown;
  for (let i = 1; i < context.length; i++) {
    const parentTag = (context[i - 1].type as unknown as { _tag?: string })._tag;
    if (parentTag === 'IntersectionType' || parentTag === 'UnionType') {
      if (parentTag === 'UnionType' && i === context.length - 1) expected = context[i - 1].type;
      continue;
    }
    segments.push(segment(context[i].key));
  }
  return { segments, expected: describeType(expected) };
}

function joinPath(prefix: string, segments: readonly string[]): string {
  return [prefix, ...segments].filter((s) => s !== '').join('.');
}

/**
 * Picks the most useful of several errors: the deepest one, because it shows how far
 * the value got before it went wrong; among equals, the first (document order).
 */
export function reportErrors(errors: t.Errors, prefix = ''): DecodeFailure {
  let best: { error: t.ValidationError; located: Located } | undefined;
  for (const error of errors) {
    const located = locate(error.context);
    if (best === undefined || located.segments.length > best.located.segments.length) best = { error, located };
  }
  if (best === undefined) return { path: prefix, message: `${prefix || 'value'}: invalid` };
  const path = joinPath(prefix, best.located.segments);
  const detail = best.error.message ?? `expected ${best.located.expected}, got ${describeValue(best.error.value)}`;
  return { path, message: `${path || 'value'}: ${detail}` };
}

/**
 * Decodes `value` with `codec`. Never throws: a failure is returned as a value whose
 * path starts with `prefix` (e.g. `event.content`). The codecs in `events/` do not
 * transform, so a success holds the very object that was passed in.
 */
export function decodeWith<A>(codec: t.Decoder<unknown, A>, value: unknown, prefix = ''): Either<DecodeFailure, A> {
  const result = codec.decode(value);
  return isRight(result) ? right(result.right) : left(reportErrors(result.left, prefix));
}
