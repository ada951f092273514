import { attempt, OlmFailure } from './failure.js';
import type { Olm } from './olm.js';

/** The cross-signing secrets whose value is an ed25519 seed. */
export const CROSS_SIGNING_SECRETS: ReadonlySet<string> = new Set(['m.cross_signing.master', 'm.cross_signing.self_signing', 'm.cross_signing.user_signing']);

/** The megolm backup secret: a curve25519 private key. */
export const BACKUP_SECRET = 'm.megolm_backup.v1';

/**
 * The public key of a secret that is a private key: for `m.megolm_backup.v1` the
 * curve25519 public key (olm PkDecryption), for a cross-signing key the ed25519 public key
 * (olm PkSigning from its seed); null for any other secret, or one that is not 32 bytes
 * of base64 (then it is no key of that kind). Never returns or logs the secret.
 */
export function publicKeyOfSecret(olm: typeof Olm, name: string, secret: string): string | null {
  if (name !== BACKUP_SECRET && !CROSS_SIGNING_SECRETS.has(name)) return null;
  const bytes = Buffer.from(secret, 'base64');
  if (bytes.length !== 32) return null;
  const key = new Uint8Array(bytes);
  try {
    if (name === BACKUP_SECRET) {
      const decryption = new olm.PkDecryption();
      const pub = attempt(() => decryption.init_with_private_key(key));
      decryption.free();
      return pub instanceof OlmFailure ? null : pub;
    }
    const signing = new olm.PkSigning();
    const pub = attempt(() => signing.init_with_seed(key));
    signing.free();
    return pub instanceof OlmFailure ? null : pub;
  } finally {
    key.fill(0);
    bytes.fill(0);
  }
}
