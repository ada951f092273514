import type { EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmDelete, hmSet } from '../hashmap.js';
import { deviceRecord, deviceTrust } from '../identities/selectors.js';
import { isObject, isPublicKey, isSignedBy } from '../identities/signing.js';
import type { ReduceContext } from '../slice.js';
import { outboundCodes } from './codes.js';
import type { OutboundState } from './state.js';
import { foldAwaitingAfterClaim } from './room-keys.js';

const record = recorderFor(outboundCodes);

/**
 * A `/keys/claim` response to a pending request: each claimed key is checked against the
 * device's Ed25519 key as `/keys/query` listed it before a session may be made from it.
 * A device never listed, or whose keys changed or that is blocked, gets no session.
 */
export function foldKeysClaimResponse(state: OutboundState, entry: EntryOf<'keys_claim'>, ctx: ReduceContext): void {
  const id = entry.payload.request_id;
  const i = state.pending.findIndex((r) => r.id === id && r.type === 'keys_claim');
  if (i < 0) {
    record(ctx, 'request.unknown_response', subject('input', entry.seq), [], { request_id: id });
    return;
  }
  const [taken] = state.pending.splice(i, 1);
  // Sessions are made right after this input, in its batch: older claims are spent.
  state.claims = [];
  const request = taken?.type === 'keys_claim' ? taken : undefined;
  const claims = entry.payload.response.one_time_keys;
  for (const userId of Object.keys(claims).sort()) {
    const devices = claims[userId]!;
    for (const deviceId of Object.keys(devices).sort()) {
      const about = subject('device', userId, deviceId);
      const keys = Object.entries(devices[deviceId]!).filter(([keyId]) => keyId.startsWith('signed_curve25519:'));
      const device = deviceRecord(ctx.root, userId, deviceId);
      const asked = request !== undefined && Object.prototype.hasOwnProperty.call(request.body.one_time_keys, userId) && Object.prototype.hasOwnProperty.call(request.body.one_time_keys[userId]!, deviceId);
      if (device === undefined || device.deleted !== null || !asked) {
        record(ctx, 'keys_claim.unknown_device', about, earlier(entry.seq, request?.seq), { listed: device !== undefined && device.deleted === null, requested: asked });
        continue;
      }
      const because = earlier(entry.seq, device.addedSeq, request?.seq);
      const trust = deviceTrust(ctx.root, userId, deviceId);
      if (device.keysChanged !== null || trust.level === 'blocked') {
        record(ctx, 'keys_claim.device_blocked', about, earlier(entry.seq, ...because, trust.seq), { reason: trust.reason });
        continue;
      }
      const [keyId, key] = keys[0] ?? [null, null];
      const signed = isObject(key) && isPublicKey(key.key) && isSignedBy(ctx.crypto, key, userId, `ed25519:${deviceId}`, device.ed25519);
      if (!signed || keyId === null || !isObject(key)) {
        record(ctx, 'keys_claim.bad_signature', about, because, { key_id: keyId, ed25519: device.ed25519 });
        continue;
      }
      state.claims.push({ userId, deviceId, curve25519: device.curve25519, oneTimeKey: key.key as string, seq: entry.seq });
      record(ctx, 'keys_claim.accepted', about, because, { key_id: keyId, fallback: key.fallback === true });
    }
  }
  if (request !== undefined) foldAwaitingAfterClaim(state, request.body.one_time_keys, entry, ctx);
}

/** Our outbound session made from an accepted claim: the device now has a session. */
export function foldOlmSessionCreated(state: OutboundState, entry: EntryOf<'olm_session_created'>): void {
  const p = entry.payload;
  hmSet(state.sessions, p.curve25519, { seq: entry.seq });
  hmSet(state.created, p.curve25519, { at: entry.receivedAt, seq: entry.seq });
  hmDelete(state.wedged, p.curve25519);
  state.claims = state.claims.filter((c) => c.curve25519 !== p.curve25519);
}

/** A message from a device decrypted with Olm: we share a session with it. */
export function foldOlmDecryptedSession(state: OutboundState, entry: EntryOf<'olm_decrypted'>): void {
  hmSet(state.sessions, entry.payload.sender_key, { seq: entry.seq });
}
