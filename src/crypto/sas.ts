/**
 * The SAS ephemeral secret: an olm `SAS` object (an ephemeral Curve25519 key pair and,
 * once the other key is set, the shared secret). It lives in memory only, for one flow,
 * and is freed when the flow ends; what it yields is logged as facts (public keys, SAS
 * bytes, MAC check results), never the secret.
 */
import type { Olm } from './olm.js';

/** The MAC methods we compute: `hkdf-hmac-sha256.v2`, and the legacy one with libolm's base64. */
export type SasMacMethod = 'hkdf-hmac-sha256.v2' | 'hkdf-hmac-sha256';

export class SasSecret {
  private readonly sas: Olm.SAS;
  private theirKey: string | null = null;

  constructor(olm: typeof Olm) {
    this.sas = new olm.SAS();
  }

  /** Our ephemeral public key (unpadded base64). */
  publicKey(): string {
    return this.sas.get_pubkey();
  }

  /** Sets the other device's ephemeral key once; false when it was set to another key before, or olm refused it. */
  setTheirKey(key: string): boolean {
    if (this.theirKey !== null) return this.theirKey === key;
    try {
      this.sas.set_their_key(key);
      this.theirKey = key;
      return true;
    } catch {
      return false;
    }
  }

  /** `length` bytes of HKDF over the shared secret with this info string. */
  bytes(info: string, length: number): Uint8Array {
    return this.sas.generate_bytes(info, length);
  }

  /** A MAC of `input` with the key HKDF derives under `info`. */
  mac(method: SasMacMethod, input: string, info: string): string {
    return method === 'hkdf-hmac-sha256.v2' ? this.sas.calculate_mac_fixed_base64(input, info) : this.sas.calculate_mac(input, info);
  }

  free(): void {
    this.sas.free();
  }
}
