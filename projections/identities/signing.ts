/**
 * Signed JSON, as the appendix "Signing JSON" defines it: the signature covers the
 * canonical JSON of the object without `signatures` and `unsigned`.
 */
import type { CryptoPort } from '../port.js';

type Json = Record<string, unknown>;

/** The bytes a Matrix signature covers. */
export function signingPayload(crypto: CryptoPort, obj: Json): string {
  const { signatures: _s, unsigned: _u, ...rest } = obj;
  return crypto.canonicalJson(rest);
}

/** The signature `signatures[userId][keyId]` of `obj`, if it is a string. */
export function signatureOf(obj: Json, userId: string, keyId: string): string | undefined {
  const byUser = (obj.signatures as Record<string, Record<string, unknown>> | undefined)?.[userId];
  const sig = byUser !== undefined && Object.prototype.hasOwnProperty.call(byUser, keyId) ? byUser[keyId] : undefined;
  return typeof sig === 'string' ? sig : undefined;
}

/**
 * True when `obj` carries a valid signature by `publicKey` under `userId`. The key ID is
 * built from the public key (`ed25519:<public key>`) or given (`ed25519:<device ID>`),
 * but the check is always against the public key we hold, never the ID alone.
 */
export function isSignedBy(crypto: CryptoPort, obj: Json, userId: string, keyId: string, publicKey: string): boolean {
  const sig = signatureOf(obj, userId, keyId);
  return sig !== undefined && crypto.verifyEd25519(publicKey, signingPayload(crypto, obj), sig);
}

/**
 * The object as we keep it: without `unsigned` (servers add it, nobody signs it) and with
 * only the signatures of `signers` (the owner, and for a master key our own user, whose
 * user-signing key signs it), as canonical JSON.
 */
export function keptJson(crypto: CryptoPort, obj: Json, signers: readonly string[]): string {
  const { unsigned: _u, signatures, ...rest } = obj;
  const all = (signatures ?? {}) as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const userId of signers) if (Object.prototype.hasOwnProperty.call(all, userId)) kept[userId] = all[userId];
  return crypto.canonicalJson(signatures === undefined ? rest : { ...rest, signatures: kept });
}

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// 32 bytes are 43 unpadded base64 characters; the last one carries 2 zero bits.
const KEY_32 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/;

/** True for an ed25519 or curve25519 public key: 32 bytes as unpadded base64. */
export function isPublicKey(value: unknown): value is string {
  return typeof value === 'string' && KEY_32.test(value);
}
