import type { BackupCode } from './codes.js';
import type { BackupState } from './state.js';

type Root = Readonly<Record<string, unknown>>;

/**
 * May keys of backup `version` be restored? Only from the current version, trusted, and
 * with a backup private key from a trusted source whose public key is the backup's: the
 * ingestion path decrypts only when this says `backup.restored`, and the slice records
 * the same verdict, so the log explains every restored (or refused) key.
 */
export function restoreVerdict(root: Root, version: string): { code: BackupCode & ('backup.restored' | 'backup.restore_untrusted' | 'backup.restore_no_key'); because: number[]; publicKey: string | null } {
  const state = root['backup'] as BackupState;
  const v = state.version;
  if (v === null || v.version !== version || state.verdict === null || (state.verdict.code !== 'backup.trusted_signature' && state.verdict.code !== 'backup.trusted_key')) {
    return { code: 'backup.restore_untrusted', because: [v?.seq ?? -1, state.verdict?.seq ?? -1], publicKey: null };
  }
  const key = v.publicKey !== null && Object.prototype.hasOwnProperty.call(state.trustedKeys, v.publicKey) ? state.trustedKeys[v.publicKey] : undefined;
  if (key === undefined) return { code: 'backup.restore_no_key', because: [v.seq, state.verdict.seq], publicKey: null };
  return { code: 'backup.restored', because: [v.seq, state.verdict.seq, key.seq], publicKey: v.publicKey };
}
