/**
 * Identity keys: device keys, cross-signing keys, one-time and fallback keys, and the
 * `/keys/query` response that carries them
 * (`api/definitions/device_keys.yaml`, `cross_signing_key.yaml`, `one_time_keys.yaml`,
 * `api/keys.yaml`).
 */
import * as t from 'io-ts';
import { JsonObject, StringMap, delegate } from './codec.js';
import { describeValue } from './decode.js';

/** Signed JSON signatures: user ID → `<algorithm>:<key id>` → unpadded base64 signature. */
export const Signatures = t.record(t.string, StringMap);
export type Signatures = t.TypeOf<typeof Signatures>;

/**
 * A device's identity keys, as uploaded and as listed in `/keys/query`. `unsigned` is
 * added by servers and not covered by the signature, so its contents are kept
 * unchecked: a junk display name must not cost a device its keys.
 */
export const DeviceKeys = t.intersection([
  t.type({
    user_id: t.string,
    device_id: t.string,
    algorithms: t.array(t.string),
    /** `<algorithm>:<device_id>` → public key. */
    keys: StringMap,
    signatures: Signatures,
  }),
  t.partial({ unsigned: JsonObject }),
], 'DeviceKeys');
export type DeviceKeys = t.TypeOf<typeof DeviceKeys>;

/**
 * A master, self-signing or user-signing key. The spec's "exactly one key" and the
 * allowed `usage` values are rules of the identities projection (with reason codes),
 * not shape, so they are not checked here.
 */
export const CrossSigningKey = t.intersection([
  t.type({
    user_id: t.string,
    usage: t.array(t.string),
    /** `<algorithm>:<unpadded base64 public key>` → public key. */
    keys: StringMap,
  }),
  t.partial({ signatures: Signatures }),
], 'CrossSigningKey');
export type CrossSigningKey = t.TypeOf<typeof CrossSigningKey>;

/** A signed one-time or fallback key (`signed_curve25519`); `fallback: true` marks a fallback key. */
export const SignedKey = t.intersection([
  t.type({ key: t.string, signatures: Signatures }),
  t.partial({ fallback: t.boolean }),
], 'SignedKey');
export type SignedKey = t.TypeOf<typeof SignedKey>;

/** One entry of a one-time key map: a bare key string (old `curve25519`) or a signed key object. */
export const OneTimeKey = new t.Type<string | SignedKey, string | SignedKey, unknown>(
  'string | SignedKey',
  (u): u is string | SignedKey => typeof u === 'string' || SignedKey.is(u),
  // Dispatched on the JSON kind rather than an io-ts union, so an object gets
  // SignedKey's precise error instead of "expected string".
  (u, c) => (typeof u === 'string'
    ? t.success(u)
    : t.UnknownRecord.is(u) ? SignedKey.validate(u, delegate(c, SignedKey)) : t.failure(u, c, `expected string or object, got ${describeValue(u)}`)),
  t.identity,
);
export type OneTimeKey = t.TypeOf<typeof OneTimeKey>;

/** `<algorithm>:<key id>` → one-time key, as in `/keys/upload` and `/keys/claim`. */
export const OneTimeKeys = t.record(t.string, OneTimeKey);
export type OneTimeKeys = t.TypeOf<typeof OneTimeKeys>;

/** Fallback keys have the same shape as one-time keys. */
export const FallbackKeys = OneTimeKeys;
export type FallbackKeys = OneTimeKeys;

/** user ID → key object, checked only as "an object": see {@link KeysQueryResponse}. */
const KeysByUser = t.record(t.string, JsonObject);

/**
 * The `/keys/query` response body, checked only for its outer shape. One malformed
 * device must not hide every other device of the response, so each device is decoded
 * with {@link DeviceKeys} and each cross-signing key with {@link CrossSigningKey} by the
 * identities reducer, which rejects bad ones one by one with a reason code.
 * `device_keys` is optional as in the spec.
 */
export const KeysQueryResponse = t.partial({
  /** user ID → device ID → device keys (undecoded). */
  device_keys: t.record(t.string, KeysByUser),
  master_keys: KeysByUser,
  self_signing_keys: KeysByUser,
  user_signing_keys: KeysByUser,
  /** server name → error object, for servers that could not be reached. */
  failures: KeysByUser,
}, 'KeysQueryResponse');
export type KeysQueryResponse = t.TypeOf<typeof KeysQueryResponse>;
