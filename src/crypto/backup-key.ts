/**
 * The backup key pair of `m.megolm_backup.v1.curve25519-aes-sha2` (olm's Pk* objects):
 * the public key of a private key, decrypting `session_data`, and encrypting to a
 * backup's public key. Every olm object made here is freed before returning.
 */
import type { Olm } from './olm.js';

/** The curve25519 public key (unpadded base64) of a 32-byte backup private key, or null if olm refuses it. */
export function backupPublicKey(olm: typeof Olm, privateKey: Uint8Array): string | null {
  if (privateKey.length !== 32) return null;
  const pk = new olm.PkDecryption();
  try {
    return pk.init_with_private_key(privateKey);
  } catch {
    return null;
  } finally {
    pk.free();
  }
}

/** A backup private key loaded once, to decrypt many sessions; `free()` it. */
export class BackupDecryptor {
  private readonly pk: Olm.PkDecryption;
  readonly publicKey: string;

  constructor(olm: typeof Olm, privateKey: Uint8Array) {
    this.pk = new olm.PkDecryption();
    try {
      this.publicKey = this.pk.init_with_private_key(privateKey);
    } catch (err) {
      this.pk.free();
      throw err;
    }
  }

  /** The plaintext of one `session_data`, or an error string (bad MAC, bad input). */
  decrypt(sessionData: { ephemeral: string; mac: string; ciphertext: string }): { plaintext: string } | { error: string } {
    try {
      return { plaintext: this.pk.decrypt(sessionData.ephemeral, sessionData.mac, sessionData.ciphertext) };
    } catch (err) {
      return { error: String((err as Error)?.message ?? err).slice(0, 100) };
    }
  }

  free(): void {
    this.pk.free();
  }
}

/** Encrypts `plaintext` to a backup public key: a `session_data` object. */
export function encryptToBackupKey(olm: typeof Olm, publicKey: string, plaintext: string): { ephemeral: string; mac: string; ciphertext: string } {
  const pk = new olm.PkEncryption();
  try {
    pk.set_recipient_key(publicKey);
    return pk.encrypt(plaintext);
  } finally {
    pk.free();
  }
}

/** A new backup private key (32 random bytes from olm) and its public key. */
export function generateBackupKey(olm: typeof Olm): { privateKey: Uint8Array; publicKey: string } {
  const pk = new olm.PkDecryption();
  try {
    const publicKey = pk.generate_key();
    return { privateKey: pk.get_private_key(), publicKey };
  } finally {
    pk.free();
  }
}

/** The ed25519 public key of a cross-signing private key (its 32-byte seed), or null if olm refuses it. */
export function signingPublicKey(olm: typeof Olm, seed: Uint8Array): string | null {
  if (seed.length !== 32) return null;
  const s = new olm.PkSigning();
  try {
    return s.init_with_seed(seed);
  } catch {
    return null;
  } finally {
    s.free();
  }
}
