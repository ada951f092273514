import type { Olm } from './olm.js';
import type { CryptoPort } from '../../projections/port.js';
import { canonicalJson } from '../canonical.js';

/**
 * The crypto port the reducers see, backed by libolm. Holds one olm Utility; call
 * `free()` when the engine closes.
 */
export class OlmCryptoPort implements CryptoPort {
  private readonly utility: Olm.Utility;

  constructor(olm: typeof Olm) {
    this.utility = new olm.Utility();
  }

  canonicalJson(value: unknown): string {
    return canonicalJson(value);
  }

  verifyEd25519(publicKey: string, message: string, signature: string): boolean {
    if (typeof publicKey !== 'string' || typeof signature !== 'string' || typeof message !== 'string') return false;
    try {
      this.utility.ed25519_verify(publicKey, message, signature);
      return true;
    } catch {
      return false;
    }
  }

  free(): void {
    this.utility.free();
  }
}
