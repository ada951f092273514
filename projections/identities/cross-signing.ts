/**
 * Cross-signing keys as a chain: a master key (usage `master`), and self-signing and
 * user-signing keys each signed by it. Every key is referred to by its public key; the
 * key ID is only checked to be `ed25519:<that public key>`.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { LedgerEntry } from '../../events/entry.js';
import { decodeWith } from '../../events/decode.js';
import { CrossSigningKey } from '../../events/keys.js';
import { subject } from '../decision.js';
import { hmEntries, hmGet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import type { IdentityCode } from './codes.js';
import { record, recordRejection } from './decide.js';
import { isObject, isPublicKey, isSignedBy, keptJson } from './signing.js';
import { deleteOwn, earlier, type CrossSigningRecord, type IdentitiesState, type UserRecord } from './state.js';

/** A cross-signing key's role, named by its spec `usage`. */
export type CrossSigningRole = 'master' | 'self_signing' | 'user_signing';

/** A cross-signing key that passed its checks, or why it did not. */
export type KeyCheck =
  | { ok: true; publicKey: string; json: string; key: Record<string, unknown> }
  | { ok: false; code: IdentityCode; detail: Record<string, string> };

/**
 * Checks one listed cross-signing key: shape, owner, usage, exactly one `ed25519:<pk>`
 * key, and for a subkey a valid signature by `master` (the user's current master key).
 */
export function checkCrossSigningKey(ctx: ReduceContext, raw: unknown, userId: string, role: CrossSigningRole, master: string | null, signers: readonly string[]): KeyCheck {
  const decoded = decodeWith(CrossSigningKey, raw);
  if (isLeft(decoded)) return { ok: false, code: 'cross_signing.malformed', detail: { role, error: decoded.left.message } };
  const key = decoded.right;
  if (key.user_id !== userId) return { ok: false, code: 'cross_signing.wrong_user', detail: { role, user_id: key.user_id } };
  // Exactly the one usage it is listed for: a key serving two roles is the namespace confusion we guard against.
  if (key.usage.length !== 1 || key.usage[0] !== role) return { ok: false, code: 'cross_signing.wrong_usage', detail: { role, usage: key.usage.join(',') } };
  const entries = Object.entries(key.keys);
  if (entries.length !== 1) return { ok: false, code: 'cross_signing.not_one_key', detail: { role, keys: String(entries.length) } };
  const [keyId, publicKey] = entries[0]!;
  if (!isPublicKey(publicKey) || keyId !== `ed25519:${publicKey}`) return { ok: false, code: 'cross_signing.malformed', detail: { role, error: `key ID ${keyId} does not name its ed25519 public key` } };
  if (role !== 'master') {
    if (master === null) return { ok: false, code: 'cross_signing.not_signed_by_master', detail: { role, error: 'no valid master key' } };
    if (!isSignedBy(ctx.crypto, key, userId, `ed25519:${master}`, master)) return { ok: false, code: 'cross_signing.not_signed_by_master', detail: { role, master } };
  }
  return { ok: true, publicKey, json: keptJson(ctx.crypto, key, signers), key };
}

/** Records a rejected cross-signing key once per distinct object. */
export function rejectKey(ctx: ReduceContext, user: UserRecord, role: CrossSigningRole, raw: unknown, check: Extract<KeyCheck, { ok: false }>, entry: LedgerEntry): void {
  const fingerprint = isObject(raw) ? keptJson(ctx.crypto, raw, [user.userId]) : ctx.crypto.canonicalJson(raw);
  recordRejection(ctx, (user.keyRejections ??= {}), role, { code: check.code, seq: entry.seq, fingerprint }, subject('user', user.userId), earlier(entry.seq, user.master?.seq), check.detail);
}

/**
 * Stores a checked self-signing or user-signing key. Returns true when the key that now
 * signs (devices, or other users) is a different one, so the caller re-checks them.
 */
export function acceptSubkey(ctx: ReduceContext, user: UserRecord, role: 'self_signing' | 'user_signing', check: Extract<KeyCheck, { ok: true }>, entry: LedgerEntry): boolean {
  deleteOwn(user.keyRejections, role);
  const current = role === 'self_signing' ? user.selfSigning : user.userSigning;
  const master = user.master!.publicKey;
  if (current !== null && current.publicKey === check.publicKey) {
    current.signedJson = check.json;
    const revalidated = current.signedBy !== master;
    current.signedBy = master;
    return revalidated;
  }
  const next: CrossSigningRecord = { publicKey: check.publicKey, seq: entry.seq, signedJson: check.json, signedBy: master };
  if (role === 'self_signing') user.selfSigning = next;
  else user.userSigning = next;
  record(ctx, 'cross_signing.subkey_accepted', subject('user', user.userId), earlier(entry.seq, user.master!.seq), {
    role,
    key: check.publicKey,
    previous: current?.publicKey ?? null,
  });
  return true;
}

/**
 * After a master key change, a stored subkey stays valid only if the new master key
 * signs it too (a reset usually replaces all three keys in the same response).
 */
export function revalidateSubkeys(ctx: ReduceContext, user: UserRecord): void {
  const master = user.master?.publicKey ?? null;
  for (const rec of [user.selfSigning, user.userSigning]) {
    if (rec === null || master === null) continue;
    const key = JSON.parse(rec.signedJson) as Record<string, unknown>;
    rec.signedBy = isSignedBy(ctx.crypto, key, user.userId, `ed25519:${master}`, master) ? master : null;
  }
}

/**
 * Re-checks our user-signing key's signature on `user`'s current master key and stores
 * the verified fact; records `cross_signing.user_signed` when it newly holds.
 */
export function recheckUserSigned(ctx: ReduceContext, state: IdentitiesState, user: UserRecord, entry: LedgerEntry, masterKey?: Record<string, unknown>): void {
  const own = state.own;
  if (own === null || user.userId === own.userId) return;
  const usk = hmGet(state.users, own.userId)?.userSigning ?? null;
  const master = user.master;
  let signed = false;
  if (usk !== null && master !== null) {
    const key = masterKey ?? (JSON.parse(master.signedJson) as Record<string, unknown>);
    signed = isSignedBy(ctx.crypto, key, own.userId, `ed25519:${usk.publicKey}`, usk.publicKey);
  }
  if (!signed) {
    if (user.userSigned !== null) user.userSigned = null;
    return;
  }
  if (user.userSigned !== null && user.userSigned.by === usk!.publicKey && user.userSigned.master === master!.publicKey) return;
  user.userSigned = { by: usk!.publicKey, master: master!.publicKey, seq: entry.seq };
  record(ctx, 'cross_signing.user_signed', subject('user', user.userId), earlier(entry.seq, master!.seq, usk!.seq), {
    master: master!.publicKey,
    user_signing_key: usk!.publicKey,
  });
}

/** Our user-signing key changed: every other user's master key is re-checked (rare, O(users)). */
export function recheckAllUserSigned(ctx: ReduceContext, state: IdentitiesState, entry: LedgerEntry): void {
  for (const [userId, user] of hmEntries(state.users)) {
    if (userId !== state.own?.userId && (user.master !== null || user.userSigned !== null)) recheckUserSigned(ctx, state, user, entry);
  }
}
