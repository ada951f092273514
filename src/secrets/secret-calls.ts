/**
 * The calls a client makes about secret storage, the key backup and key export files, as
 * the facade hands them on. What only this moment can do (derive the 4S key, decrypt the
 * secrets or the file, read keys from the vault and encrypt them to the backup key) is
 * done here; the secrets are staged beside the input they come with (never logged), and
 * the answer is read from what that input wrote. No error or output carries a secret.
 */
import { randomUUID } from 'node:crypto';
import type { LedgerEntry } from '../../events/entry.js';
import type { BackupKeysResponse } from '../../events/secret-storage.js';
import { backupStatus } from '../../projections/backup/selectors.js';
import type { Decision } from '../../projections/decision.js';
import type { CrossSigningKeySource, CrossSigningPrivateKeys, IngestResult } from '../api-types.js';
import type { Vault } from '../crypto/vault.js';
import { BackupNotTrustedError, CrossSigningRefusedError, SecretStorageError } from '../errors.js';
import type { RestoreIntake, Staged } from '../ingest/restore.js';
import { requestMadeBy, requestsMadeBy, type OutgoingRequest } from '../outbound/outgoing.js';
import type { LedgerState } from '../runtime/projector.js';
import { backupUpload } from './backup-upload.js';
import { decryptKeyExport, encryptKeyExport } from './key-export.js';
import { openStorage, type SecretStorageUnlock } from './open-storage.js';
import { decodeRecoveryKey } from './recovery-key.js';
import { exportedSessions } from './room-key-export.js';
import { newSecretStorage } from './write-storage.js';

/** What the calls need from the ledger. */
export interface SecretDeps {
  ingestUnknown(input: unknown): Promise<IngestResult>;
  /** The entries one input wrote (it and its facts). */
  entriesOf(result: IngestResult): Promise<LedgerEntry[]>;
  /** The state after the last written entry. */
  state(): LedgerState;
  vault: Vault;
  restore: RestoreIntake;
  userId: string;
  importCrossSigningKeys(keys: CrossSigningPrivateKeys, source: CrossSigningKeySource): Promise<unknown>;
}

/** Ingests a user action whose secret part is staged under a fresh transaction ID. */
async function staged(deps: SecretDeps, item: Staged, action: (txnId: string) => Record<string, unknown>): Promise<IngestResult> {
  const txn = randomUUID();
  deps.restore.stage(txn, item);
  try {
    return await deps.ingestUnknown(action(txn));
  } finally {
    deps.restore.unstage(txn);
  }
}

/** Sessions a restore or import took, and those it refused. */
function countTaken(decisions: readonly Decision[]): { restored: number; refused: number } {
  let restored = 0;
  let refused = 0;
  for (const d of decisions) {
    if (d.slice !== 'megolm') continue;
    if (d.outcome === 'accepted') restored++;
    else if (d.outcome === 'rejected') refused++;
  }
  return { restored, refused };
}

/** `openSecretStorage`: the secrets sealed, then our cross-signing keys imported. */
export async function openSecretStorage(deps: SecretDeps, unlock: SecretStorageUnlock, keyId?: string): Promise<{ keyId: string; stored: string[]; failed: string[]; crossSigning: string | null }> {
  const opened = openStorage(deps.state(), unlock, keyId);
  await staged(deps, { kind: 'secrets', source: 'secret_storage', secrets: opened.secrets }, (txn) => ({
    kind: 'user_action', action: 'open_secret_storage', key_id: opened.keyId, via: opened.via, mac_ok: opened.macOk !== false, txn_id: txn,
  }));
  if (opened.macOk === false) throw new SecretStorageError('secret_storage.wrong_key', `that ${opened.via === 'passphrase' ? 'passphrase' : 'recovery key'} does not open secret storage key ${opened.keyId} (its MAC check failed)`);
  // Our cross-signing keys from secret storage make our identity trusted (when they are the published ones).
  const secret = (name: string) => opened.secrets.find((s) => s.name === name)?.secret;
  const master = secret('m.cross_signing.master');
  const selfSigning = secret('m.cross_signing.self_signing');
  const userSigning = secret('m.cross_signing.user_signing');
  let crossSigning: string | null = null;
  if (master !== undefined || selfSigning !== undefined || userSigning !== undefined) {
    try {
      await deps.importCrossSigningKeys({ ...(master !== undefined ? { master } : {}), ...(selfSigning !== undefined ? { selfSigning } : {}), ...(userSigning !== undefined ? { userSigning } : {}) }, 'secret_storage');
      crossSigning = 'own_cross_signing.keys_held';
    } catch (err) {
      if (!(err instanceof CrossSigningRefusedError)) throw err;
      crossSigning = err.reason;
    }
  }
  return { keyId: opened.keyId, stored: opened.secrets.map((s) => s.name), failed: opened.failed, crossSigning };
}

/** `enterBackupKey`: the backup key the user typed, logged as its public key. */
export async function enterBackupKey(deps: SecretDeps, recoveryKey: string): Promise<{ publicKey: string | null }> {
  const secret = Buffer.from(decodeRecoveryKey(recoveryKey)).toString('base64').replace(/=+$/, '');
  const publicKey = deps.restore.publicKeyOf('m.megolm_backup.v1', secret);
  await staged(deps, { kind: 'secrets', source: 'user', secrets: [{ name: 'm.megolm_backup.v1', secret }] }, (txn) => ({
    kind: 'user_action', action: 'enter_backup_key', public_key: publicKey ?? '', txn_id: txn,
  }));
  return { publicKey };
}

/** `createSecretStorage`: a new 4S key and the account_data requests that write it. */
export async function createSecretStorage(deps: SecretDeps, options: { passphrase?: string }): Promise<{ keyId: string; recoveryKey: string; secrets: string[]; requests: OutgoingRequest[] }> {
  const created = await newSecretStorage(deps.vault, options);
  const result = await staged(deps, { kind: 'account_data', userId: deps.userId, events: created.events }, (txn) => ({
    kind: 'user_action', action: 'create_secret_storage', key_id: created.keyId, secrets: created.secrets, txn_id: txn,
  }));
  return { keyId: created.keyId, recoveryKey: created.recoveryKey, secrets: created.secrets, requests: requestsMadeBy(await deps.entriesOf(result)) };
}

/** `restoreBackup`: a `backup_keys` input; what the megolm slice took and refused. */
export async function restoreBackup(deps: SecretDeps, version: string, response: BackupKeysResponse): Promise<{ restored: number; refused: number; decisions: Decision[] }> {
  const result = await deps.ingestUnknown({ kind: 'backup_keys', version, response });
  return { ...countTaken(result.decisions), decisions: result.decisions };
}

/** `backUpRoomKeys`: refused (and logged) for an untrusted backup; else the sessions it lacks, encrypted to it. */
export async function backUpRoomKeys(deps: SecretDeps, maxSessions: number): Promise<OutgoingRequest | null> {
  const state = deps.state();
  const status = backupStatus(state);
  if (!status.may || status.publicKey === null || status.version === null) {
    await deps.ingestUnknown({ kind: 'back_up_room_keys', txn_id: randomUUID() });
    throw new BackupNotTrustedError(status.code);
  }
  const item = await backupUpload(state, deps.vault, status.version, status.publicKey, maxSessions, (pk, text) => deps.restore.encryptForBackup(pk, text));
  if (item.sessions.length === 0) return null;
  const result = await staged(deps, item, (txn) => ({ kind: 'back_up_room_keys', txn_id: txn }));
  return requestMadeBy(await deps.entriesOf(result));
}

/** `importRoomKeys`: the file decrypted here, its sessions staged beside an `import_room_keys` action. */
export async function importRoomKeys(deps: SecretDeps, fileText: string, passphrase: string): Promise<{ imported: number; refused: number }> {
  const sessions = decryptKeyExport(fileText, passphrase);
  const result = await staged(deps, { kind: 'sessions', sessions }, (txn) => ({ kind: 'user_action', action: 'import_room_keys', count: sessions.length, txn_id: txn }));
  const { restored, refused } = countTaken(result.decisions);
  return { imported: restored, refused };
}

/** `exportRoomKeys`: every session we hold, from the vault, in a key export file. */
export async function exportRoomKeys(deps: SecretDeps, passphrase: string): Promise<string> {
  return encryptKeyExport(await exportedSessions(deps.state(), deps.vault), passphrase);
}
