import { canonicalJson } from '../canonical.js';
import type { Signatures, Signer } from './types.js';

/**
 * Matrix canonical JSON (sorted keys, no whitespace). Re-exported from the engine so the
 * testkit signs exactly the bytes the engine verifies.
 */
export { canonicalJson };

/**
 * The bytes a Matrix JSON signature covers (appendix "Signing JSON"): the canonical JSON
 * of the object with `signatures` and `unsigned` removed.
 */
export function signingPayload(obj: object): string {
  const { signatures: _s, unsigned: _u, ...rest } = obj as Record<string, unknown>;
  return canonicalJson(rest);
}

/**
 * Returns a deep copy of `obj` with `signatures[userId][keyId]` set to `signer`'s
 * signature over {@link signingPayload}. Existing signatures (and `unsigned`) are kept.
 *
 * @param keyId e.g. `ed25519:DEVICEID` or `ed25519:<cross-signing public key>`.
 */
export function signJson<T extends object>(signer: Signer, obj: T, userId: string, keyId: string): T & { signatures: Signatures } {
  const copy = structuredClone(obj) as T & { signatures?: Signatures };
  const signature = signer.sign(signingPayload(copy));
  const signatures: Signatures = copy.signatures ?? {};
  signatures[userId] = { ...signatures[userId], [keyId]: signature };
  copy.signatures = signatures;
  return copy as T & { signatures: Signatures };
}

/** Unpadded standard base64, the encoding Matrix uses for keys and signatures. */
export function unpaddedBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}
