/**
 * Folding one `/keys/query` response: per user, in sorted order, the master key, then
 * the self-signing and user-signing keys, then the devices, then what those changes
 * mean for cross-signing, deletions and key-ID collisions. `failures` and users missing
 * from the response change nothing.
 */
import type { EntryOf } from '../../events/entry.js';
import { subject } from '../decision.js';
import type { ReduceContext } from '../slice.js';
import { flagCollisions } from './collisions.js';
import { acceptSubkey, checkCrossSigningKey, recheckAllUserSigned, recheckUserSigned, rejectKey, revalidateSubkeys } from './cross-signing.js';
import { record } from './decide.js';
import { listDevice, markMissingDeleted, recheckCrossSigned } from './device-keys.js';
import { acceptMaster, type MasterOutcome } from './pinning.js';
import { ensureUser, getOwn, isReservedId, type IdentitiesState } from './state.js';

type ByUser = Readonly<Record<string, Record<string, unknown>>>;

function listedFor(map: ByUser | undefined, userId: string): unknown {
  return map !== undefined ? getOwn(map as Record<string, unknown>, userId) : undefined;
}

/** Folds one `keys_query` entry into the draft. */
export function foldKeysQuery(state: IdentitiesState, entry: EntryOf<'keys_query'>, ctx: ReduceContext): void {
  const response = entry.payload.response;
  const users = new Set<string>();
  for (const map of [response.device_keys, response.master_keys, response.self_signing_keys, response.user_signing_keys]) {
    for (const userId of Object.keys(map ?? {})) users.add(userId);
  }
  for (const userId of [...users].sort()) {
    if (isReservedId(userId)) {
      record(ctx, 'device_keys.malformed', subject('user', userId), [], { error: 'reserved user ID' });
      continue;
    }
    foldUser(state, userId, response, entry, ctx);
  }
}

function foldUser(state: IdentitiesState, userId: string, response: EntryOf<'keys_query'>['payload']['response'], entry: EntryOf<'keys_query'>, ctx: ReduceContext): void {
  const user = ensureUser(state, userId);
  const ownUserId = state.own?.userId;
  const isOwn = userId === ownUserId;
  const signers = ownUserId === undefined || isOwn ? [userId] : [userId, ownUserId];

  // Master key: pinned on first use, a change is flagged.
  let masterKey: Record<string, unknown> | undefined;
  let masterOutcome: MasterOutcome = 'same';
  const rawMaster = listedFor(response.master_keys, userId);
  if (rawMaster !== undefined) {
    const check = checkCrossSigningKey(ctx, rawMaster, userId, 'master', null, signers);
    if (!check.ok) rejectKey(ctx, user, 'master', rawMaster, check, entry);
    else {
      masterOutcome = acceptMaster(ctx, state, user, check, entry);
      if (masterOutcome === 'changed') revalidateSubkeys(ctx, user);
      masterKey = check.key;
    }
  }

  // Subkeys, each checked against the master key as it now stands.
  let selfSigningChanged = masterOutcome === 'changed';
  const rawSsk = listedFor(response.self_signing_keys, userId);
  if (rawSsk !== undefined) {
    const check = checkCrossSigningKey(ctx, rawSsk, userId, 'self_signing', user.master?.publicKey ?? null, [userId]);
    if (!check.ok) rejectKey(ctx, user, 'self_signing', rawSsk, check, entry);
    else selfSigningChanged = acceptSubkey(ctx, user, 'self_signing', check, entry) || selfSigningChanged;
  }
  let userSigningChanged = isOwn && masterOutcome === 'changed';
  const rawUsk = listedFor(response.user_signing_keys, userId);
  // Servers show a user-signing key to its owner only; another user's is none of our business.
  if (rawUsk !== undefined && isOwn) {
    const check = checkCrossSigningKey(ctx, rawUsk, userId, 'user_signing', user.master?.publicKey ?? null, [userId]);
    if (!check.ok) rejectKey(ctx, user, 'user_signing', rawUsk, check, entry);
    else userSigningChanged = acceptSubkey(ctx, user, 'user_signing', check, entry) || userSigningChanged;
  }

  // Devices: a user's entry in device_keys is the complete list of their devices.
  const listed = listedFor(response.device_keys, userId) as Record<string, unknown> | undefined;
  const touched = new Map<string, Record<string, unknown>>();
  if (listed !== undefined) {
    for (const deviceId of Object.keys(listed).sort()) {
      const keys = listDevice(ctx, state, user, deviceId, listed[deviceId], entry);
      if (keys !== undefined) touched.set(deviceId, keys);
    }
  }
  for (const deviceId of Object.keys(user.devices).sort()) {
    const keys = touched.get(deviceId);
    if (keys !== undefined || selfSigningChanged) recheckCrossSigned(ctx, user, user.devices[deviceId]!, entry, keys);
  }
  if (listed !== undefined) markMissingDeleted(ctx, user, listed, entry);

  if (masterOutcome !== 'same') recheckUserSigned(ctx, state, user, entry, masterKey);
  if (userSigningChanged) recheckAllUserSigned(ctx, state, entry);
  flagCollisions(ctx, user, listed === undefined ? [] : Object.keys(listed), entry);
}
