/**
 * Secrets we hold (`secret/<name>` in the vault) and the `secret_stored` fact that says
 * so. Shared by every trusted source: secret storage, secret sharing (`m.secret.send`),
 * and the user entering a key. The fact holds the secret's name, its source and, for a
 * key, its public key; never the secret.
 */
import type { SecretSource, SecretStoredPayload } from '../../events/gossip.js';
import { SECRET_NAMES } from '../../events/secret-storage.js';
import { backupPublicKey, signingPublicKey } from '../crypto/backup-key.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';

/** The vault record of a secret. */
export const secretVaultKey = (name: string) => `secret/${name}`;

const CROSS_SIGNING: readonly string[] = [SECRET_NAMES.master, SECRET_NAMES.selfSigning, SECRET_NAMES.userSigning];

/** Standard or unpadded base64 to bytes, or null. */
function base64Bytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * The public key of a secret that is a private key: the curve25519 key of the backup key,
 * the ed25519 key of a cross-signing key (both are base64 of 32 bytes); null otherwise, or
 * when the secret is not a valid key.
 */
export function secretPublicKey(olm: typeof Olm, name: string, secret: string): string | null {
  const bytes = name === SECRET_NAMES.backup || CROSS_SIGNING.includes(name) ? base64Bytes(secret) : null;
  if (bytes === null) return null;
  return name === SECRET_NAMES.backup ? backupPublicKey(olm, bytes) : signingPublicKey(olm, bytes);
}

/**
 * A secret from a trusted source: its vault write (sealed with the store key) and its
 * `secret_stored` fact.
 */
export function storeSecret(
  olm: typeof Olm, vault: Vault, name: string, secret: string, source: SecretSource, requestId: string | null = null,
): { fact: { kind: 'secret_stored'; payload: SecretStoredPayload }; op: BatchOp } {
  const payload: SecretStoredPayload = { name, source, public_key: secretPublicKey(olm, name, secret), request_id: requestId };
  return { fact: { kind: 'secret_stored', payload }, op: vault.putOp(secretVaultKey(name), secret) };
}

/** A secret we hold, from the vault, or undefined. */
export function readSecret(vault: Vault, name: string): Promise<string | undefined> {
  return vault.get(secretVaultKey(name));
}
