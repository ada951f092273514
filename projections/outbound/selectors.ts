import { deviceRecord, deviceTrust, knownDevices, ownDevice } from '../identities/selectors.js';
import { hmEntries, hmPeek } from '../hashmap.js';
import type { OutboundState, PendingRequest, TrackedUser } from './state.js';

export const OUTBOUND_SLICE = 'outbound';

/** The outbound slice of a ledger state. */
export function outboundState(root: Readonly<Record<string, unknown>>): OutboundState {
  return root[OUTBOUND_SLICE] as OutboundState;
}

/** The requests made and not answered yet, in the order they were made. */
export function pendingRequests(root: Readonly<Record<string, unknown>>): readonly PendingRequest[] {
  return outboundState(root).pending;
}

/** A tracked user's device list, or undefined when the user is not tracked. */
export function trackedUser(root: Readonly<Record<string, unknown>>, userId: string): TrackedUser | undefined {
  return hmPeek(outboundState(root).tracked, userId);
}

/** Every tracked user, sorted by user ID. */
export function trackedUsers(root: Readonly<Record<string, unknown>>): string[] {
  return hmEntries(outboundState(root).tracked).map(([u]) => u);
}

/**
 * The outdated tracked users no `/keys/query` is fetching: the next keys_query request.
 * A user already being fetched waits for that answer (one request per user in flight).
 */
export function usersToQuery(root: Readonly<Record<string, unknown>>): string[] {
  return hmEntries(outboundState(root).tracked)
    .filter(([, t]) => t.outdated && t.querying === null)
    .map(([u]) => u);
}

/** What a `/keys/upload` request must carry now, or null when none is needed (or one is pending). */
export interface UploadNeed {
  /** New one-time keys to make: up to half the account's maximum. */
  oneTimeKeys: number;
  /** The server's count that asked for them. */
  count: number;
  fallbackKey: boolean;
  deviceKeys: boolean;
}

/**
 * Whether our keys need uploading, given the account's maximum of one-time keys: the
 * server's count is below half of it, or the server says our fallback key was used (or
 * there is none). One keys_upload request at a time.
 */
/** How long the fallback key before the current one is kept once replaced (the spec's "such as after an hour"). */
export const OLD_FALLBACK_KEY_KEPT_MS = 60 * 60 * 1000;

/**
 * The replaced fallback key whose private half is due to be dropped at `now` (the
 * receivedAt of the entry being ingested: the log's time, never the clock), or null.
 */
export function oldFallbackKeyDue(root: Readonly<Record<string, unknown>>, now: number): { seq: number } | null {
  const old = outboundState(root).fallback.old;
  return old !== null && now - old.since >= OLD_FALLBACK_KEY_KEPT_MS ? { seq: old.seq } : null;
}

export function uploadNeed(root: Readonly<Record<string, unknown>>, maxOneTimeKeys: number): UploadNeed | null {
  const s = outboundState(root);
  if (s.pending.some((r) => r.type === 'keys_upload')) return null;
  const half = Math.floor(maxOneTimeKeys / 2);
  // Never told a count: none uploaded yet is none on the server (a new device's first upload).
  const count = s.oneTimeKeys?.count ?? (s.deviceKeysUploaded ? half : 0);
  const oneTimeKeys = count < half ? half - count : 0;
  const fallbackKey = s.unusedFallbackTypes !== null && !s.unusedFallbackTypes.types.includes('signed_curve25519');
  if (oneTimeKeys === 0 && !fallbackKey) return null;
  return { oneTimeKeys, count, fallbackKey, deviceKeys: !s.deviceKeysUploaded };
}

/**
 * The devices of `users` we share no Olm session with and may make one with: listed by
 * `/keys/query`, not deleted, keys unchanged, not blocked, not our own device, and not
 * already in a pending keys_claim request. Sorted by user, then device.
 */
export function devicesWithoutSession(root: Readonly<Record<string, unknown>>, users: readonly string[]): { userId: string; deviceId: string }[] {
  const s = outboundState(root);
  const own = ownDevice(root);
  const claiming = new Set<string>();
  for (const r of s.pending) {
    if (r.type !== 'keys_claim') continue;
    for (const [u, devices] of Object.entries(r.body.one_time_keys)) for (const d of Object.keys(devices)) claiming.add(`${u} ${d}`);
  }
  const out: { userId: string; deviceId: string }[] = [];
  for (const userId of [...new Set(users)].sort()) {
    for (const deviceId of knownDevices(root, userId)) {
      if (own !== null && own.userId === userId && own.deviceId === deviceId) continue;
      const device = deviceRecord(root, userId, deviceId);
      if (device === undefined || device.deleted !== null || device.keysChanged !== null) continue;
      if (deviceTrust(root, userId, deviceId).level === 'blocked') continue;
      if (hmPeek(s.sessions, device.curve25519) !== undefined || claiming.has(`${userId} ${deviceId}`)) continue;
      out.push({ userId, deviceId });
    }
  }
  return out;
}

/** Whether we share an Olm session with the device that owns this Curve25519 key. */
export function hasOlmSession(root: Readonly<Record<string, unknown>>, curve25519: string): boolean {
  return hmPeek(outboundState(root).sessions, curve25519) !== undefined;
}

/** Wedged devices to claim a new key for: not already being claimed. Sorted by user, then device. */
export function devicesToRecover(root: Readonly<Record<string, unknown>>): { userId: string; deviceId: string; curve25519: string }[] {
  const s = outboundState(root);
  const claiming = new Set<string>();
  for (const r of s.pending) {
    if (r.type !== 'keys_claim') continue;
    for (const [u, devices] of Object.entries(r.body.one_time_keys)) for (const d of Object.keys(devices)) claiming.add(`${u} ${d}`);
  }
  return hmEntries(s.wedged)
    .map(([curve25519, w]) => ({ userId: w.userId, deviceId: w.deviceId, curve25519 }))
    .filter((d) => !claiming.has(`${d.userId} ${d.deviceId}`))
    .sort((a, b) => (a.userId === b.userId ? (a.deviceId < b.deviceId ? -1 : 1) : a.userId < b.userId ? -1 : 1));
}

/** Whether the device with this Curve25519 key has a wedged session waiting for a new one. */
export function isWedged(root: Readonly<Record<string, unknown>>, curve25519: string): boolean {
  return hmPeek(outboundState(root).wedged, curve25519) !== undefined;
}
