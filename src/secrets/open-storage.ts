/**
 * Opening secret storage with what the user entered: which key (the default one unless
 * named), its bytes (from the recovery key, or PBKDF2 of the passphrase as the key's
 * description says), the MAC check, and the secrets that key decrypts. Reads the account
 * data the backup slice keeps; writes nothing.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import { AesHmacSha2Encrypted, SECRET_STORAGE_V1, SecretStorageKeyContent } from '../../events/secret-storage.js';
import { secretStorageData } from '../../projections/backup/selectors.js';
import { SecretStorageError } from '../errors.js';
import type { LedgerState } from '../runtime/projector.js';
import { checkKey, decryptSecret, MAX_PBKDF2_ITERATIONS, passphraseKey } from './aes-hmac-sha2.js';
import { decodeRecoveryKey } from './recovery-key.js';

/** What the user entered: the recovery key, or the passphrase. */
export type SecretStorageUnlock = { recoveryKey: string } | { passphrase: string };

/** The secrets a 4S key opens, and what the log may say about it. */
export interface OpenedStorage {
  keyId: string;
  via: 'recovery_key' | 'passphrase';
  /** False when the key fails the description's MAC check (null: the description has none). */
  macOk: boolean | null;
  secrets: { name: string; secret: string }[];
  /** Secret names encrypted for this key that did not decrypt (MAC mismatch). */
  failed: string[];
}

/** The secret names we read from secret storage. */
const SECRET_TYPES = ['m.cross_signing.master', 'm.cross_signing.self_signing', 'm.cross_signing.user_signing', 'm.megolm_backup.v1'] as const;

export function openStorage(state: LedgerState, unlock: SecretStorageUnlock, keyId?: string): OpenedStorage {
  const id = keyId ?? defaultKeyId(state);
  if (id === null) throw new SecretStorageError('secret_storage.no_key', 'no secret storage key: the account data names no default key (m.secret_storage.default_key)');
  const record = secretStorageData(state, `m.secret_storage.key.${id}`);
  if (record === undefined) throw new SecretStorageError('secret_storage.no_key', `no description of secret storage key ${id} in the account data`);
  const decoded = decodeWith(SecretStorageKeyContent, record.content);
  if (!isRight(decoded) || decoded.right.algorithm !== SECRET_STORAGE_V1) {
    throw new SecretStorageError('secret_storage.unknown_algorithm', `secret storage key ${id} is not an ${SECRET_STORAGE_V1} key`);
  }
  const description = decoded.right;
  let key: Uint8Array;
  let via: OpenedStorage['via'];
  if ('recoveryKey' in unlock) {
    key = decodeRecoveryKey(unlock.recoveryKey);
    via = 'recovery_key';
  } else {
    const p = description.passphrase;
    if (p === undefined || p.algorithm !== 'm.pbkdf2') throw new SecretStorageError('secret_storage.no_passphrase', `secret storage key ${id} has no m.pbkdf2 passphrase`);
    if (p.iterations < 1 || p.iterations > MAX_PBKDF2_ITERATIONS || (p.bits !== undefined && (p.bits % 8 !== 0 || p.bits < 128 || p.bits > 512))) {
      throw new SecretStorageError('secret_storage.bad_passphrase_parameters', `secret storage key ${id} asks for PBKDF2 parameters out of bounds`);
    }
    key = passphraseKey(unlock.passphrase, p);
    via = 'passphrase';
  }
  const macOk = checkKey(key, description);
  const secrets: OpenedStorage['secrets'] = [];
  const failed: string[] = [];
  if (macOk !== false) {
    for (const name of SECRET_TYPES) {
      const data = secretStorageData(state, name)?.content;
      const encrypted = data !== undefined && typeof data['encrypted'] === 'object' && data['encrypted'] !== null ? (data['encrypted'] as Record<string, unknown>)[id] : undefined;
      if (encrypted === undefined) continue;
      const e = decodeWith(AesHmacSha2Encrypted, encrypted);
      const secret = isRight(e) ? decryptSecret(key, name, e.right) : null;
      if (secret === null) failed.push(name);
      else secrets.push({ name, secret });
    }
  }
  return { keyId: id, via, macOk, secrets, failed };
}

/** The default key's ID, or null. */
export function defaultKeyId(state: LedgerState): string | null {
  const d = secretStorageData(state, 'm.secret_storage.default_key')?.content;
  return d !== undefined && typeof d['key'] === 'string' ? d['key'] : null;
}
