/**
 * Our cross-signing key pairs (master, self-signing, user-signing): ed25519 keys made and
 * used with olm's `PkSigning`. The private part is a 32-byte seed, kept as unpadded
 * base64 (the format of the spec's `m.cross_signing.*` secrets), sealed in the vault,
 * never in the log.
 */
import type { Olm } from './olm.js';
import { canonicalJson } from '../canonical.js';

/** The three roles, named by their spec `usage`. */
export type CrossSigningRole = 'master' | 'self_signing' | 'user_signing';
export const CROSS_SIGNING_ROLES: readonly CrossSigningRole[] = ['master', 'self_signing', 'user_signing'];

/** The vault record of a role's private seed. */
export function crossSigningVaultKey(role: CrossSigningRole): string {
  return `cross_signing/${role}`;
}

const toB64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** A seed (unpadded base64 of 32 bytes) as bytes, or null when it is not one. */
function seedBytes(seed: string): Uint8Array | null {
  if (typeof seed !== 'string' || !/^[A-Za-z0-9+/]{43}=?$/.test(seed)) return null;
  const bytes = Buffer.from(seed, 'base64');
  return bytes.length === 32 ? new Uint8Array(bytes) : null;
}

/** One cross-signing key pair, held while it is used, then freed. */
export class CrossSigningKey {
  private constructor(private readonly signing: Olm.PkSigning, readonly publicKey: string, private readonly seed: string) {}

  /** A new key pair from fresh randomness. */
  static generate(olm: typeof Olm): CrossSigningKey {
    const signing = new olm.PkSigning();
    const seed = signing.generate_seed();
    const publicKey = signing.init_with_seed(seed);
    return new CrossSigningKey(signing, publicKey, toB64(seed));
  }

  /** The key pair of a seed (unpadded base64), or null when it is not a 32-byte seed. */
  static fromSeed(olm: typeof Olm, seed: string): CrossSigningKey | null {
    const bytes = seedBytes(seed);
    if (bytes === null) return null;
    const signing = new olm.PkSigning();
    try {
      const publicKey = signing.init_with_seed(bytes);
      return new CrossSigningKey(signing, publicKey, toB64(bytes));
    } catch {
      signing.free();
      return null;
    }
  }

  /** The seed, unpadded base64: only for sealing in the vault. */
  exportSeed(): string {
    return this.seed;
  }

  /**
   * Signs a JSON object as the spec's "Signing JSON" says (without `signatures` and
   * `unsigned`), returning a copy that carries only this signature, by `userId` under
   * `ed25519:<public key>`.
   */
  signJson<T extends object>(userId: string, value: T): Omit<T, 'signatures' | 'unsigned'> & { signatures: Record<string, Record<string, string>> } {
    const { signatures: _s, unsigned: _u, ...rest } = value as Record<string, unknown>;
    const signature = this.signing.sign(canonicalJson(rest));
    return { ...(rest as Omit<T, 'signatures' | 'unsigned'>), signatures: { [userId]: { [`ed25519:${this.publicKey}`]: signature } } };
  }

  free(): void {
    this.signing.free();
  }
}

/** The public key a seed derives to, or null when it is not a valid seed. */
export function publicKeyOfSeed(olm: typeof Olm, seed: string): string | null {
  const key = CrossSigningKey.fromSeed(olm, seed);
  if (key === null) return null;
  const pk = key.publicKey;
  key.free();
  return pk;
}
