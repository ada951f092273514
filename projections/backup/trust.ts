/**
 * Is the backup's `auth_data` trusted? Signatures are checked when their entry is folded
 * (with the keys the identities slice holds then); whether a valid signature is *trusted*
 * is read from the identities slice each time, so a later verification counts at once.
 */
import { identityDetail, isOwnVerifiedDevice, deviceRecord, ownDevice } from '../identities/selectors.js';
import { isPublicKey, signingPayload } from '../identities/signing.js';
import type { ReduceContext } from '../slice.js';
import type { BackupCode } from './codes.js';
import { MAX_SIGNATURES, type BackupState, type BackupVersionRecord, type SignatureCheck } from './state.js';

type Root = Readonly<Record<string, unknown>>;

/**
 * The four states of a signature (as matrix-sdk-crypto names them). `valid_*` both count
 * as signed: the Rust SDK's `SignatureState::signed()` required the state to be both
 * valid-untrusted and valid-trusted at once, so it never returned true.
 */
export type SignatureState = 'missing' | 'invalid' | 'valid_untrusted' | 'valid_trusted';

/** True when a signature is valid, trusted or not. */
export function isSigned(state: SignatureState): boolean {
  return state === 'valid_untrusted' || state === 'valid_trusted';
}

/** One signature as reported: who made it and its state now. */
export interface SignatureReport {
  keyId: string;
  signer: SignatureCheck['signer'];
  deviceId: string | null;
  state: SignatureState | 'unknown_signer';
}

/** Checks our own user's signatures on `auth_data` against the keys we hold now. */
export function checkSignatures(root: Root, ctx: ReduceContext, authData: Record<string, unknown>): SignatureCheck[] {
  const own = ownDevice(root);
  if (own === null) return [];
  const sigs = authData['signatures'];
  const byUser = typeof sigs === 'object' && sigs !== null && !Array.isArray(sigs) ? (sigs as Record<string, unknown>)[own.userId] : undefined;
  if (typeof byUser !== 'object' || byUser === null || Array.isArray(byUser)) return [];
  const master = identityDetail(root, own.userId).masterKey;
  const payload = signingPayload(ctx.crypto, authData);
  const out: SignatureCheck[] = [];
  for (const keyId of Object.keys(byUser).sort().slice(0, MAX_SIGNATURES)) {
    const sig = (byUser as Record<string, unknown>)[keyId];
    if (!keyId.startsWith('ed25519:')) continue;
    const id = keyId.slice('ed25519:'.length);
    let signer: SignatureCheck['signer'] = 'unknown';
    let publicKey: string | null = null;
    let deviceId: string | null = null;
    if (master !== null && id === master) {
      signer = 'master';
      publicKey = master;
    } else if (id === own.deviceId) {
      signer = 'device';
      deviceId = id;
      publicKey = own.ed25519;
    } else {
      const device = deviceRecord(root, own.userId, id);
      if (device !== undefined) {
        signer = 'device';
        deviceId = id;
        publicKey = device.ed25519;
      }
    }
    const valid = publicKey === null ? null : typeof sig === 'string' && ctx.crypto.verifyEd25519(publicKey, payload, sig);
    out.push({ keyId, signer, deviceId, publicKey, valid });
  }
  return out;
}

/** The state of one checked signature now. */
function stateOf(root: Root, check: SignatureCheck): SignatureState | 'unknown_signer' {
  if (check.valid === null) return 'unknown_signer';
  if (!check.valid) return 'invalid';
  const own = ownDevice(root)!;
  if (check.signer === 'master') {
    const identity = identityDetail(root, own.userId);
    return identity.level === 'verified' && identity.masterKey === check.publicKey ? 'valid_trusted' : 'valid_untrusted';
  }
  if (check.signer === 'device' && check.deviceId !== null) {
    const sameKey = check.deviceId === own.deviceId ? own.ed25519 === check.publicKey : deviceRecord(root, own.userId, check.deviceId)?.ed25519 === check.publicKey;
    return sameKey && isOwnVerifiedDevice(root, own.userId, check.deviceId) ? 'valid_trusted' : 'valid_untrusted';
  }
  return 'valid_untrusted';
}

/**
 * The backup's signatures in their four states: our master key's (`missing` when it did
 * not sign, or when we know no master key), our own device's, and every other signature
 * our user made on it.
 */
export function signatureReport(root: Root, version: BackupVersionRecord): { master: SignatureState; ownDevice: SignatureState; all: SignatureReport[] } {
  const all = version.signatures.map((c) => ({ keyId: c.keyId, signer: c.signer, deviceId: c.deviceId, state: stateOf(root, c) }));
  const pick = (r: SignatureReport | undefined): SignatureState => (r === undefined || r.state === 'unknown_signer' ? 'missing' : r.state);
  const own = ownDevice(root);
  return {
    master: pick(all.find((r) => r.signer === 'master')),
    ownDevice: pick(all.find((r) => r.signer === 'device' && r.deviceId === own?.deviceId)),
    all,
  };
}

/** The verdict on the current version now, and the entries it rests on. */
export function judgeVersion(root: Root, state: BackupState): { code: BackupCode; because: number[] } | null {
  const v = state.version;
  if (v === null) return null;
  if (v.algorithm !== 'm.megolm_backup.v1.curve25519-aes-sha2') return { code: 'backup.unknown_algorithm', because: [v.seq] };
  if (v.publicKey === null) return { code: 'backup.invalid_public_key', because: [v.seq] };
  const trustedSig = v.signatures.find((c) => stateOf(root, c) === 'valid_trusted');
  if (trustedSig !== undefined) return { code: 'backup.trusted_signature', because: [v.seq] };
  const key = Object.prototype.hasOwnProperty.call(state.trustedKeys, v.publicKey) ? state.trustedKeys[v.publicKey] : undefined;
  if (key !== undefined) return { code: 'backup.trusted_key', because: [v.seq, key.seq] };
  return { code: 'backup.untrusted', because: [v.seq] };
}

/** True for a `auth_data.public_key` we could encrypt to. */
export const isBackupPublicKey = isPublicKey;
