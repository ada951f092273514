/**
 * A secret learned from a trusted source (secret storage, secret sharing from a verified
 * own device, the user): sealed in the vault under `secret/<name>` and logged as a
 * `secret_stored` fact naming where it came from and its public key — never the secret.
 */
import type { SecretSource, SecretStoredPayload } from '../../events/gossip.js';
import type { Olm } from '../crypto/olm.js';
import { publicKeyOfSecret } from '../crypto/secret-keys.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';

/** The vault record of a secret. */
export const secretVaultKey = (name: string) => `secret/${name}`;

/** The vault write and the fact for a secret to keep. */
export function storeSecret(
  olm: typeof Olm, vault: Vault, name: string, secret: string, source: SecretSource, requestId: string | null,
): { op: BatchOp; fact: { kind: 'secret_stored'; payload: SecretStoredPayload } } {
  return {
    op: vault.putOp(secretVaultKey(name), secret),
    fact: { kind: 'secret_stored', payload: { name, source, public_key: publicKeyOfSecret(olm, name, secret), request_id: requestId } },
  };
}

/** A secret we hold, from the vault, or undefined. */
export function readSecret(vault: Vault, name: string): Promise<string | undefined> {
  return vault.get(secretVaultKey(name));
}
