import type { LedgerCreatedPayload, LedgerEntry } from '../../events/entry.js';
import { emptyHashedMap, hmGet, hmSet, type HashedMap } from '../hashmap.js';
import type { Slice } from '../slice.js';

/** Our own device, from the log's first entry. */
export interface OwnDevice {
  userId: string;
  deviceId: string;
  curve25519: string;
  ed25519: string;
}

/** A device as last listed by the server. */
export interface DeviceRecord {
  deviceId: string;
  curve25519: string | null;
  ed25519: string | null;
  /** The entry that first listed it, and the last one. */
  firstSeenSeq: number;
  lastSeenSeq: number;
}

export interface UserRecord {
  userId: string;
  devices: Record<string, DeviceRecord>;
}

export interface IdentitiesState {
  own: OwnDevice | null;
  users: HashedMap<UserRecord>;
}

interface KeysQueryPayload {
  response: { device_keys?: Record<string, Record<string, { keys?: Record<string, unknown> }>> };
}

/** The `identities` slice: which users and devices the server has listed. */
export const identitiesSlice: Slice<IdentitiesState> = {
  name: 'identities',
  version: 1,
  initial: () => ({ own: null, users: emptyHashedMap() }),
  reduce(draft, entry: LedgerEntry) {
    switch (entry.kind) {
      case 'ledger_created': {
        const p = entry.payload as LedgerCreatedPayload;
        draft.own = { userId: p.user_id, deviceId: p.device_id, curve25519: p.keys.curve25519, ed25519: p.keys.ed25519 };
        return;
      }
      case 'keys_query': {
        const devicesByUser = (entry.payload as KeysQueryPayload).response.device_keys ?? {};
        for (const userId of Object.keys(devicesByUser).sort()) {
          let user = hmGet(draft.users, userId);
          if (user === undefined) {
            hmSet(draft.users, userId, { userId, devices: {} });
            user = hmGet(draft.users, userId)!;
          }
          const devices = devicesByUser[userId] ?? {};
          for (const deviceId of Object.keys(devices).sort()) {
            const keys = devices[deviceId]?.keys ?? {};
            const str = (v: unknown) => (typeof v === 'string' ? v : null);
            const known = user.devices[deviceId];
            user.devices[deviceId] = {
              deviceId,
              curve25519: str(keys[`curve25519:${deviceId}`]),
              ed25519: str(keys[`ed25519:${deviceId}`]),
              firstSeenSeq: known?.firstSeenSeq ?? entry.seq,
              lastSeenSeq: entry.seq,
            };
          }
        }
        return;
      }
      default:
        return;
    }
  },
};

/** Selector: our own device, once the log's first entry is folded. */
export function ownDevice(root: Readonly<Record<string, unknown>>): OwnDevice | null {
  return (root[identitiesSlice.name] as IdentitiesState).own;
}

/** Selector: a device as last listed, or undefined. */
export function deviceRecord(root: Readonly<Record<string, unknown>>, userId: string, deviceId: string): DeviceRecord | undefined {
  return hmGet((root[identitiesSlice.name] as IdentitiesState).users, userId)?.devices[deviceId];
}
