/**
 * The devices we gossip with: the verified devices of our own user other than this one,
 * each by its Curve25519 key (how an Olm answer is matched to the device we asked).
 */
import { deviceRecord, isOwnVerifiedDevice, knownDevices, ownDevice } from '../identities/selectors.js';

type Root = Readonly<Record<string, unknown>>;

/** A device we ask or answer: its ID and the Curve25519 key its Olm channel must use. */
export interface AskedDevice {
  deviceId: string;
  curve25519: string;
}

/**
 * At most this many devices are asked: the server lists our devices, and a request to
 * each of thousands would be its denial of service, not our user's wish.
 */
export const MAX_ASKED_DEVICES = 64;

/** Our own verified devices (listed, not deleted, keys never changed), this one excluded, sorted by device ID. */
export function ownVerifiedDevices(root: Root): AskedDevice[] {
  const me = ownDevice(root);
  if (me === null) return [];
  const out: AskedDevice[] = [];
  for (const deviceId of knownDevices(root, me.userId)) {
    if (deviceId === me.deviceId) continue;
    const record = deviceRecord(root, me.userId, deviceId);
    if (record === undefined || record.deleted !== null || !isOwnVerifiedDevice(root, me.userId, deviceId)) continue;
    out.push({ deviceId, curve25519: record.curve25519 });
    if (out.length === MAX_ASKED_DEVICES) break;
  }
  return out;
}
