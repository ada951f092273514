/**
 * Device keys from `/keys/query`: each listed device is decoded and checked on its own
 * (one bad device must not hide the others), stored once, and never allowed to change
 * its keys afterwards.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { LedgerEntry } from '../../events/entry.js';
import { decodeWith } from '../../events/decode.js';
import { DeviceKeys } from '../../events/keys.js';
import { subject } from '../decision.js';
import { hmGet, hmSet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import type { IdentityCode } from './codes.js';
import { record, recordRejection } from './decide.js';
import { isObject, isPublicKey, isSignedBy, keptJson } from './signing.js';
import { deleteOwn, earlier, getOwn, isReservedId, type DeviceRecord, type IdentitiesState, type UserRecord } from './state.js';

/** A device listing that passed every check of its own, or why it did not. */
type DeviceCheck =
  | { ok: true; ed25519: string; curve25519: string; json: string }
  | { ok: false; code: IdentityCode; detail: Record<string, string> };

/** Checks one listing: shape, IDs against the map, key names and encodings, self-signature. */
function checkDevice(ctx: ReduceContext, raw: unknown, userId: string, deviceId: string): DeviceCheck {
  if (isReservedId(deviceId)) return { ok: false, code: 'device_keys.malformed', detail: { error: 'reserved device ID' } };
  const decoded = decodeWith(DeviceKeys, raw);
  if (isLeft(decoded)) return { ok: false, code: 'device_keys.malformed', detail: { error: decoded.left.message } };
  const keys = decoded.right;
  if (keys.user_id !== userId || keys.device_id !== deviceId) {
    return { ok: false, code: 'device_keys.ids_mismatch', detail: { user_id: keys.user_id, device_id: keys.device_id } };
  }
  for (const keyId of Object.keys(keys.keys).sort()) {
    const colon = keyId.indexOf(':');
    if (colon <= 0 || keyId.slice(colon + 1) !== deviceId) return { ok: false, code: 'device_keys.malformed', detail: { error: `key ID ${keyId} does not name the device` } };
  }
  const ed25519 = getOwn(keys.keys, `ed25519:${deviceId}`);
  const curve25519 = getOwn(keys.keys, `curve25519:${deviceId}`);
  if (!isPublicKey(ed25519) || !isPublicKey(curve25519)) {
    return { ok: false, code: 'device_keys.malformed', detail: { error: 'needs ed25519 and curve25519 keys of 32 bytes, unpadded base64' } };
  }
  if (!isSignedBy(ctx.crypto, keys, userId, `ed25519:${deviceId}`, ed25519)) return { ok: false, code: 'device_keys.bad_signature', detail: { ed25519 } };
  return { ok: true, ed25519, curve25519, json: keptJson(ctx.crypto, keys, [userId]) };
}

/** The device that already holds `curve25519`, when it is not (userId, deviceId). */
function curveOwner(state: IdentitiesState, curve25519: string, userId: string, deviceId: string): string | undefined {
  const own = state.own;
  if (own !== null && own.curve25519 === curve25519 && !(own.userId === userId && own.deviceId === deviceId)) return `${own.userId} ${own.deviceId}`;
  const owner = hmGet(state.byCurveKey, curve25519);
  if (owner !== undefined && !(owner.userId === userId && owner.deviceId === deviceId)) return `${owner.userId} ${owner.deviceId}`;
  return undefined;
}

function undelete(ctx: ReduceContext, userId: string, device: DeviceRecord, entry: LedgerEntry): void {
  if (device.deleted === null) return;
  record(ctx, 'device.added', subject('device', userId, device.deviceId), earlier(entry.seq, device.addedSeq, device.deleted.seq), { reappeared: true, ed25519: device.ed25519 });
  device.deleted = null;
}

/**
 * Applies one listed device. Returns the decoded object when its signatures may have
 * changed (new device, or same keys newly signed), so the caller re-checks cross-signing.
 */
export function listDevice(ctx: ReduceContext, state: IdentitiesState, user: UserRecord, deviceId: string, raw: unknown, entry: LedgerEntry): Record<string, unknown> | undefined {
  const userId = user.userId;
  const about = subject('device', userId, deviceId);
  const known = getOwn(user.devices, deviceId);
  // The common case: the same device listed again, byte for byte. No crypto needed.
  if (known !== undefined && isObject(raw) && keptJson(ctx.crypto, raw, [userId]) === known.signedJson) {
    undelete(ctx, userId, known, entry);
    return undefined;
  }
  const check = checkDevice(ctx, raw, userId, deviceId);
  const reject = (code: IdentityCode, detail: Record<string, string>, because: readonly number[] = []) => {
    if (isReservedId(deviceId)) return record(ctx, code, about, because, detail);
    const fingerprint = isObject(raw) ? keptJson(ctx.crypto, raw, [userId]) : ctx.crypto.canonicalJson(raw);
    recordRejection(ctx, (user.deviceRejections ??= {}), deviceId, { code, seq: entry.seq, fingerprint }, about, because, detail);
  };
  if (!check.ok) return void reject(check.code, check.detail, earlier(entry.seq, known?.addedSeq));
  const own = state.own;
  const expected = known ?? (own !== null && own.userId === userId && own.deviceId === deviceId ? { ed25519: own.ed25519, curve25519: own.curve25519, addedSeq: own.seq } : undefined);
  if (expected !== undefined && (expected.ed25519 !== check.ed25519 || expected.curve25519 !== check.curve25519)) {
    // The anomaly of rule 1: the server now claims other keys for a device we know.
    reject('device_keys.changed', { ed25519: check.ed25519, curve25519: check.curve25519, known_ed25519: expected.ed25519, known_curve25519: expected.curve25519 }, earlier(entry.seq, expected.addedSeq));
    if (known !== undefined && known.keysChanged === null) known.keysChanged = { seq: entry.seq };
    return undefined;
  }
  deleteOwn(user.deviceRejections, deviceId);
  if (known !== undefined) {
    known.signedJson = check.json;
    undelete(ctx, userId, known, entry);
    return raw as Record<string, unknown>;
  }
  const taken = curveOwner(state, check.curve25519, userId, deviceId);
  if (taken !== undefined) return void reject('device_keys.duplicate_curve_key', { curve25519: check.curve25519, owner: taken });
  user.devices[deviceId] = {
    deviceId,
    ed25519: check.ed25519,
    curve25519: check.curve25519,
    signedJson: check.json,
    addedSeq: entry.seq,
    crossSigned: null,
    verified: null,
    deleted: null,
    keysChanged: null,
  };
  hmSet(state.byCurveKey, check.curve25519, { userId, deviceId });
  record(ctx, 'device.added', about, [], { ed25519: check.ed25519, curve25519: check.curve25519 });
  return raw as Record<string, unknown>;
}

/**
 * Re-checks the self-signing key's signature on one device and stores the verified
 * fact; records `device.cross_signed` when it newly holds.
 */
export function recheckCrossSigned(ctx: ReduceContext, user: UserRecord, device: DeviceRecord, entry: LedgerEntry, keys?: Record<string, unknown>): void {
  const ssk = user.selfSigning;
  const valid = ssk !== null && user.master !== null && ssk.signedBy === user.master.publicKey;
  const obj = keys ?? (JSON.parse(device.signedJson) as Record<string, unknown>);
  if (!valid || device.keysChanged !== null || !isSignedBy(ctx.crypto, obj, user.userId, `ed25519:${ssk.publicKey}`, ssk.publicKey)) {
    if (device.crossSigned !== null) device.crossSigned = null;
    return;
  }
  if (device.crossSigned?.by === ssk.publicKey) return;
  device.crossSigned = { by: ssk.publicKey, seq: entry.seq };
  record(ctx, 'device.cross_signed', subject('device', user.userId, device.deviceId), earlier(entry.seq, device.addedSeq, ssk.seq), { self_signing_key: ssk.publicKey });
}

/** Devices of a user missing from a listing of that user are marked deleted (kept, not forgotten). */
export function markMissingDeleted(ctx: ReduceContext, user: UserRecord, listed: Readonly<Record<string, unknown>>, entry: LedgerEntry): void {
  for (const deviceId of Object.keys(user.devices).sort()) {
    const device = user.devices[deviceId]!;
    if (device.deleted !== null || Object.prototype.hasOwnProperty.call(listed, deviceId)) continue;
    device.deleted = { seq: entry.seq };
    record(ctx, 'device.deleted', subject('device', user.userId, deviceId), earlier(entry.seq, device.addedSeq), { ed25519: device.ed25519 });
  }
}
