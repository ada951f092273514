/**
 * Writing secret storage: a new 4S key (random 32 bytes, or from a passphrase by PBKDF2),
 * its description with the MAC check, the default key, and every secret we hold (the
 * backup key, our cross-signing keys) encrypted to it, as account data bodies for
 * `account_data` requests. The key itself leaves only as the recovery key, once, to the caller.
 */
import { randomBytes } from 'node:crypto';
import { SECRET_STORAGE_V1 } from '../../events/secret-storage.js';
import { CROSS_SIGNING_ROLES, crossSigningVaultKey } from '../crypto/cross-signing.js';
import type { Vault } from '../crypto/vault.js';
import { encryptSecret, keyCheck, passphraseKey } from './aes-hmac-sha2.js';
import { encodeRecoveryKey } from './recovery-key.js';
import { secretVaultKey } from './stored.js';

/** The account data a new 4S key writes, and its recovery key (the caller shows it once). */
export interface NewSecretStorage {
  keyId: string;
  recoveryKey: string;
  events: { type: string; content: Record<string, unknown> }[];
  /** The secret names encrypted to it. */
  secrets: string[];
}

const ROLE_NAMES = { master: 'm.cross_signing.master', self_signing: 'm.cross_signing.self_signing', user_signing: 'm.cross_signing.user_signing' } as const;

/** PBKDF2 rounds for a new passphrase-derived key. */
export const NEW_KEY_ITERATIONS = 500_000;

export async function newSecretStorage(vault: Vault, opts: { passphrase?: string } = {}): Promise<NewSecretStorage> {
  const keyId = randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
  let key: Uint8Array;
  let passphrase: Record<string, unknown> | undefined;
  if (opts.passphrase !== undefined) {
    const params = { salt: randomBytes(24).toString('base64').replace(/=+$/, ''), iterations: NEW_KEY_ITERATIONS, bits: 256 };
    key = passphraseKey(opts.passphrase, params);
    passphrase = { algorithm: 'm.pbkdf2', ...params };
  } else {
    key = new Uint8Array(randomBytes(32));
  }
  const events: NewSecretStorage['events'] = [
    { type: `m.secret_storage.key.${keyId}`, content: { algorithm: SECRET_STORAGE_V1, ...keyCheck(key), ...(passphrase ? { passphrase } : {}) } },
    { type: 'm.secret_storage.default_key', content: { key: keyId } },
  ];
  const held: [string, string | undefined][] = [['m.megolm_backup.v1', await vault.get(secretVaultKey('m.megolm_backup.v1'))]];
  for (const role of CROSS_SIGNING_ROLES) held.push([ROLE_NAMES[role], (await vault.get(crossSigningVaultKey(role))) ?? (await vault.get(secretVaultKey(ROLE_NAMES[role])))]);
  const secrets: string[] = [];
  for (const [name, secret] of held) {
    if (secret === undefined) continue;
    events.push({ type: name, content: { encrypted: { [keyId]: encryptSecret(key, name, secret) } } });
    secrets.push(name);
  }
  return { keyId, recoveryKey: encodeRecoveryKey(key), events, secrets };
}
