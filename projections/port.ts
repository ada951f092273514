/**
 * The crypto port: the only cryptography a reducer may use. Every function is pure and
 * deterministic (same input, same output); the engine backs it with @matrix-org/olm.
 */
export interface CryptoPort {
  /** Matrix canonical JSON of a value. */
  canonicalJson(value: unknown): string;
  /** True when `signature` (unpadded base64) is a valid ed25519 signature of `message` by `publicKey`. Never throws. */
  verifyEd25519(publicKey: string, message: string, signature: string): boolean;
}
