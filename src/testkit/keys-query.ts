import { SimDevice } from './sim-device.js';
import type { SimUser } from './sim-user.js';
import type { CrossSigningKey, DeviceKeys, KeysQueryResponse } from './types.js';

/** One user's part of a `/keys/query` response. */
export interface KeysQueryUser {
  /** The simulated user; without it only devices are listed (no cross-signing keys). */
  user?: SimUser;
  /** Defaults to `user.userId`; set it to list keys under a different user id. */
  userId?: string;
  /** Device keys (or devices) to list; defaults to all of `user`'s devices. */
  devices?: Array<DeviceKeys | SimDevice>;
  /** Add the self-signing key's signature to each device (default: true when `user` is given). */
  crossSigned?: boolean;
  /** List the user-signing key too (a server returns it only for the requester's own user). */
  includeUserSigningKey?: boolean;
  /** Master key to list instead of `user.masterKey()`, e.g. one carrying the querier's user-signing signature. */
  masterKey?: CrossSigningKey;
}

/**
 * Builds a `/keys/query` response body from simulated users. It is plain JSON: tests
 * tamper with it afterwards to build attack scenarios.
 */
export function keysQueryResponse(opts: { users: KeysQueryUser[]; failures?: KeysQueryResponse['failures'] }): KeysQueryResponse {
  const response: KeysQueryResponse = {
    device_keys: {},
    master_keys: {},
    self_signing_keys: {},
    user_signing_keys: {},
    failures: opts.failures ?? {},
  };
  for (const entry of opts.users) {
    const { user } = entry;
    const userId = entry.userId ?? user?.userId;
    if (!userId) throw new Error('keysQueryResponse: each entry needs a user or a userId');
    const devices = entry.devices ?? [...(user?.devices.values() ?? [])];
    const crossSigned = (entry.crossSigned ?? user !== undefined) && user !== undefined;
    const listed: Record<string, DeviceKeys> = {};
    for (const d of devices) {
      const keys = d instanceof SimDevice ? d.deviceKeys() : structuredClone(d);
      listed[keys.device_id] = crossSigned ? user.crossSign(keys) : keys;
    }
    response.device_keys[userId] = listed;
    if (user) {
      response.master_keys[userId] = entry.masterKey ? structuredClone(entry.masterKey) : user.masterKey();
      response.self_signing_keys[userId] = user.selfSigningKey();
      if (entry.includeUserSigningKey) response.user_signing_keys[userId] = user.userSigningKey();
    }
  }
  return response;
}

/**
 * Merges several `/keys/query` bodies into one (later bodies win per user), e.g. testkit
 * users plus a Rust identity. Plain JSON in, plain JSON out.
 */
export function mergeKeysQueryResponses(...bodies: Array<Partial<KeysQueryResponse>>): KeysQueryResponse {
  const merged: KeysQueryResponse = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} };
  for (const body of bodies) {
    for (const field of Object.keys(merged) as Array<keyof KeysQueryResponse>) {
      Object.assign(merged[field], structuredClone(body[field] ?? {}));
    }
  }
  return merged;
}
