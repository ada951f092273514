/**
 * What the engine, the CLI and clients may ask the `backup` slice: pure lookups.
 */
import { hmEntries, hmPeek } from '../hashmap.js';
import type { MegolmState, SessionRecord } from '../megolm/state.js';
import type { BackupCode } from './codes.js';
import type { AccountDataRecord, BackupState } from './state.js';
import { signatureReport, type SignatureReport, type SignatureState } from './trust.js';

type Root = Readonly<Record<string, unknown>>;

function slice(root: Root): BackupState {
  return root['backup'] as BackupState;
}

/** Whether keys may go to the server's backup now, and why (the verdict's code), or why not. */
export interface MayUpload {
  readonly may: boolean;
  /** The verdict's code, or null when no backup version is known. */
  readonly code: BackupCode | null;
  readonly version: string | null;
  /** The entry the verdict was recorded at. */
  readonly seq: number | null;
}

/** `backup.may_upload`: yes only for a trusted current version. */
export function mayUpload(root: Root): MayUpload {
  const s = slice(root);
  if (s.version === null || s.verdict === null) return { may: false, code: null, version: s.version?.version ?? null, seq: null };
  const may = s.verdict.code === 'backup.trusted_signature' || s.verdict.code === 'backup.trusted_key';
  return { may, code: s.verdict.code, version: s.version.version, seq: s.verdict.seq };
}

/** The current backup version, its trust and its signatures in their four states. */
export interface BackupStatus extends MayUpload {
  readonly algorithm: string | null;
  readonly publicKey: string | null;
  /** Our master key's signature and our own device's, each in one of the four states. */
  readonly masterSignature: SignatureState | null;
  readonly ownDeviceSignature: SignatureState | null;
  readonly signatures: readonly SignatureReport[];
  /** True when we hold the backup's private key from a trusted source. */
  readonly privateKeyHeld: boolean;
}

export function backupStatus(root: Root): BackupStatus {
  const s = slice(root);
  const upload = mayUpload(root);
  const v = s.version;
  if (v === null) return { ...upload, algorithm: null, publicKey: null, masterSignature: null, ownDeviceSignature: null, signatures: [], privateKeyHeld: false };
  const report = signatureReport(root, v);
  return {
    ...upload,
    algorithm: v.algorithm,
    publicKey: v.publicKey,
    masterSignature: report.master,
    ownDeviceSignature: report.ownDevice,
    signatures: report.all,
    privateKeyHeld: v.publicKey !== null && Object.prototype.hasOwnProperty.call(s.trustedKeys, v.publicKey),
  };
}

/** A secret storage account data event as the server last gave it. */
export function secretStorageData(root: Root, type: string): AccountDataRecord | undefined {
  const s = slice(root);
  return Object.prototype.hasOwnProperty.call(s.accountData, type) ? s.accountData[type] : undefined;
}

/**
 * Megolm sessions the current backup does not have with their current key: never sent,
 * or sent with a key we have since replaced by a lower-index one. At most `limit`.
 */
export function sessionsToBackUp(root: Root, limit: number): SessionRecord[] {
  const s = slice(root);
  const megolm = root['megolm'] as MegolmState;
  const out: SessionRecord[] = [];
  for (const [key, session] of hmEntries(megolm.sessions)) {
    if (out.length >= limit) break;
    if (hmPeek(s.backedUp, key) !== session.keySeq) out.push(session);
  }
  return out;
}
