/**
 * Small io-ts building blocks shared by the event families.
 *
 * Every codec here validates without transforming: a successful decode returns the
 * input object itself, so unknown fields survive and the value can be logged as is.
 */
import * as t from 'io-ts';
import { describeValue, quoted } from './decode.js';

/** Any JSON object (not an array, not null); its fields are kept unchecked. */
export const JsonObject = t.UnknownRecord;
export type JsonObject = t.TypeOf<typeof JsonObject>;

/** A map of strings to strings, e.g. a device's `keys` or a MAC per key ID. */
export const StringMap = t.record(t.string, t.string);
export type StringMap = t.TypeOf<typeof StringMap>;

/**
 * A whole number. Unlike `t.Int` it carries no brand, so the decoded type stays
 * `number` and plain literals type-check in tests and fixtures.
 */
export const Integer = new t.Type<number, number, unknown>(
  'integer',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u),
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/** A whole number >= 0, e.g. milliseconds since the epoch. */
export const NonNegativeInteger = new t.Type<number, number, unknown>(
  'non-negative integer',
  (u): u is number => Integer.is(u) && u >= 0,
  (u, c) => (Integer.is(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/**
 * A string that must be one of the algorithms we implement. Anything else is reported
 * as `unknown algorithm "x"`, which says more than "expected literal".
 */
export function knownAlgorithm<A extends string>(...names: [A, ...A[]]): t.Type<A, A, unknown> {
  const is = (u: unknown): u is A => typeof u === 'string' && (names as string[]).includes(u);
  return new t.Type<A, A, unknown>(
    names.map((n) => JSON.stringify(n)).join(' | '),
    is,
    (u, c) => {
      if (is(u)) return t.success(u);
      const message = typeof u === 'string'
        ? `unknown algorithm ${quoted(u)}`
        : `expected ${names.map((n) => JSON.stringify(n)).join(' | ')}, got ${describeValue(u)}`;
      return t.failure(u, c, message);
    },
    t.identity,
  );
}

/**
 * The context for handing a value to `codec` unchanged, from inside a custom codec.
 * The last entry is re-labelled with `codec` rather than appended, because the value
 * has no new key; so an intersection's member indexes are recognised as such and kept
 * out of the reported path.
 */
export function delegate(c: t.Context, codec: t.Decoder<unknown, unknown>): t.Context {
  if (c.length === 0) return [{ key: '', type: codec, actual: undefined }];
  const last = c[c.length - 1];
  return [...c.slice(0, -1), { key: last.key, type: codec, actual: last.actual }];
}

/** How `dispatchOn` picks a codec. */
export interface DispatchOptions<B extends Record<string, t.Mixed>, F extends t.Mixed | undefined> {
  /** The field that names the variant: `algorithm`, `method`, `action`, `kind`, … */
  readonly key: string;
  /** One codec per known value of `key`. */
  readonly branches: B;
  /**
   * Codec for anything else. Without it, an unknown value is a failure
   * (`unknown <label> "x"`): use it where the engine, not the decoder, must answer an
   * unknown variant (an unknown verification method is cancelled with `m.unknown_method`).
   */
  readonly otherwise?: F;
  /** Word used in `unknown … "x"`; defaults to `key`. */
  readonly label?: string;
}

type DispatchResult<B extends Record<string, t.Mixed>, F extends t.Mixed | undefined> =
  | t.TypeOf<B[keyof B]>
  | (F extends t.Mixed ? t.TypeOf<F> : never);

/**
 * A discriminated codec that dispatches by hand instead of trying every member of an
 * io-ts union: the error then comes from the one variant the value claims to be, with
 * its exact path, instead of a pile of errors from all the others.
 */
export function dispatchOn<B extends Record<string, t.Mixed>, F extends t.Mixed | undefined = undefined>(
  name: string,
  options: DispatchOptions<B, F>,
): t.Type<DispatchResult<B, F>, DispatchResult<B, F>, unknown> {
  const { key, branches, otherwise } = options;
  const label = options.label ?? key;
  const known = Object.keys(branches);
  const pick = (u: Record<string, unknown>): t.Mixed | undefined => {
    const tag = u[key];
    if (typeof tag === 'string' && Object.prototype.hasOwnProperty.call(branches, tag)) return branches[tag];
    return otherwise;
  };
  const validate: t.Validate<unknown, DispatchResult<B, F>> = (u, c) => {
    if (!t.UnknownRecord.is(u)) return t.failure(u, c, `expected object, got ${describeValue(u)}`);
    const codec = pick(u);
    if (codec !== undefined) return codec.validate(u, delegate(c, codec)) as t.Validation<DispatchResult<B, F>>;
    const tag = u[key];
    const message = typeof tag === 'string'
      ? `unknown ${label} ${quoted(tag)}`
      : `expected ${known.map((k) => JSON.stringify(k)).join(' | ')}, got ${describeValue(tag)}`;
    return t.failure(tag, t.appendContext(c, key, t.string, tag), message);
  };
  return new t.Type(
    name,
    (u): u is DispatchResult<B, F> => validate(u, [{ key: '', type: t.unknown, actual: u }])._tag === 'Right',
    validate,
    t.identity,
  );
}
