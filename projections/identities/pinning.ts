/**
 * Trust on first use of master keys: the first valid master key of a user is pinned; a
 * different one later is an identity change the client must show (and the user approve)
 * before anything derived from the new key is trusted.
 */
import type { LedgerEntry } from '../../events/entry.js';
import { subject } from '../decision.js';
import type { ReduceContext } from '../slice.js';
import type { KeyCheck } from './cross-signing.js';
import { record } from './decide.js';
import { deleteOwn, earlier, type IdentitiesState, type UserRecord } from './state.js';
import { identityTrustOf } from './trust.js';

/** What listing a valid master key did. */
export type MasterOutcome = 'same' | 'resigned' | 'pinned' | 'changed';

/**
 * Applies a listed, valid master key: pins the first one; records a change away from
 * the current one (`identity.changed`, plus `identity.verification_violation` when the
 * user was verified just before); otherwise keeps the newest signatures on it.
 */
export function acceptMaster(ctx: ReduceContext, state: IdentitiesState, user: UserRecord, check: Extract<KeyCheck, { ok: true }>, entry: LedgerEntry): MasterOutcome {
  deleteOwn(user.keyRejections, 'master');
  const about = subject('user', user.userId);
  const previous = user.master;
  if (previous !== null && previous.publicKey === check.publicKey) {
    if (previous.signedJson === check.json) return 'same';
    previous.signedJson = check.json;
    return 'resigned';
  }
  // Judged before the new key is stored: was this user verified a moment ago?
  const before = identityTrustOf(state, user.userId);
  user.master = { publicKey: check.publicKey, seq: entry.seq, signedJson: check.json, signedBy: null };
  if (user.pinned === null) {
    user.pinned = { publicKey: check.publicKey, seq: entry.seq };
    record(ctx, 'identity.pinned', about, [], { master: check.publicKey });
    return 'pinned';
  }
  const pinned = user.pinned;
  // A verification violation lasts through further changes until the user acts on it.
  const wasVerified = before.level === 'verified' || before.level === 'verification_violation';
  if (check.publicKey !== pinned.publicKey) {
    user.change = { from: previous?.publicKey ?? pinned.publicKey, to: check.publicKey, seq: entry.seq, wasVerified };
  }
  record(ctx, 'identity.changed', about, earlier(entry.seq, pinned.seq, previous?.seq), {
    from: previous?.publicKey ?? pinned.publicKey,
    to: check.publicKey,
    pinned: pinned.publicKey,
    needs_approval: check.publicKey !== pinned.publicKey,
  });
  if (wasVerified && check.publicKey !== pinned.publicKey) {
    record(ctx, 'identity.verification_violation', about, earlier(entry.seq, before.seq), {
      verified: before.level === 'verified' ? before.reason : 'identity.verification_violation',
      to: check.publicKey,
    });
  }
  return 'changed';
}
