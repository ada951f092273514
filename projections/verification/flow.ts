/**
 * The verification flow rules, one function per message or action. Each moves a flow
 * on, or cancels it with the spec's code (what we owe the other device is queued in
 * `flow.owed`, made into messages by the outbound path).
 */
import { earlier, recorderFor, type DecisionDetail } from '../codes.js';
import { subject } from '../decision.js';
import type { ReduceContext } from '../slice.js';
import { deviceRecord, identityDetail, keyIdCollision, ownDevice } from '../identities/selectors.js';
import { verificationCodes, type VerificationCode } from './codes.js';
import { MAX_FLOW_SEQS, own, type Flow, type Owed, type PinnedKey, type VerificationState } from './state.js';

export const record = recorderFor(verificationCodes);

/** What we offer and accept. */
export const SAS_V1 = 'm.sas.v1';
export const KEY_AGREEMENT = 'curve25519-hkdf-sha256';
export const HASH = 'sha256';
export const MAC_V2 = 'hkdf-hmac-sha256.v2';
export const MAC_LEGACY = 'hkdf-hmac-sha256';
export const SAS_METHODS = ['decimal', 'emoji'] as const;
/** QR codes: we show (the other device scans), they show, and the start a scanner sends. */
export const QR_SHOW = 'm.qr_code.show.v1';
export const QR_SCAN = 'm.qr_code.scan.v1';
export const RECIPROCATE = 'm.reciprocate.v1';

/** The wire cancel code of each cancelling decision. */
const CANCEL_CODE: Partial<Record<VerificationCode, string>> = {
  'verification.mismatched_commitment': 'm.mismatched_commitment',
  'verification.mismatched_sas': 'm.mismatched_sas',
  'verification.key_mismatch': 'm.key_mismatch',
  'verification.key_id_collision': 'm.key_mismatch',
  'verification.unknown_device': 'm.key_mismatch',
  'verification.unexpected_message': 'm.unexpected_message',
  'verification.unknown_method': 'm.unknown_method',
  'verification.qr_secret_mismatch': 'm.key_mismatch',
  'verification.qr_key_mismatch': 'm.key_mismatch',
  'verification.timeout': 'm.timeout',
};

/** The decision subject of a flow: the other device (or user, before the device is known). */
export function about(flow: Flow) {
  return flow.otherDeviceId === null ? subject('user', flow.otherUserId) : subject('device', flow.otherUserId, flow.otherDeviceId);
}

/** Remembers an entry of the flow (bounded). */
export function touch(flow: Flow, seq: number): void {
  if (flow.seqs[flow.seqs.length - 1] !== seq && flow.seqs.length < MAX_FLOW_SEQS) flow.seqs.push(seq);
}

export function owe(state: VerificationState, flow: Flow, item: Owed): void {
  // A message to nobody is never owed (a user with no device known).
  if (flow.transport === 'to_device' && (item.type === 'request' || item.type === 'cancel') && item.devices.length === 0) return;
  flow.owed.push(item);
  if (!state.owing.includes(flow.id)) state.owing.push(flow.id);
}

/** Records a step decision with the flow ID in its detail. */
export function step(ctx: ReduceContext, flow: Flow, seq: number, stepName: string, extra: DecisionDetail = {}): void {
  record(ctx, 'verification.step', about(flow), earlier(seq, ...flow.seqs), { flow_id: flow.id, step: stepName, ...extra });
}

/** The devices a message of this flow goes to. */
export function recipients(flow: Flow): string[] {
  return flow.otherDeviceId !== null ? [flow.otherDeviceId] : [...flow.asked];
}

/**
 * Ends a flow: the decision, the outcome and, when we cancel, the cancel message owed
 * to the other device (or every device asked).
 */
export function cancel(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, code: VerificationCode, reason: string, extra: DecisionDetail = {}): void {
  if (flow.outcome !== null) return;
  const cancelCode = CANCEL_CODE[code] ?? 'm.user';
  record(ctx, code, about(flow), earlier(seq, ...flow.seqs), { flow_id: flow.id, cancel_code: cancelCode, reason, ...extra });
  flow.owed = [];
  owe(state, flow, { type: 'cancel', wireCode: cancelCode, reason, devices: recipients(flow) });
  finish(state, flow, { result: 'cancelled', code, cancelCode, reason, byUs: true, seq });
}

/** Marks a flow finished (kept in the state, bounded). */
export function finish(state: VerificationState, flow: Flow, outcome: NonNullable<Flow['outcome']>): void {
  flow.outcome = outcome;
  flow.phase = outcome.result === 'done' ? 'done' : 'cancelled';
  touch(flow, outcome.seq);
  state.active = state.active.filter((id) => id !== flow.id);
  state.finished.push(flow.id);
}

/**
 * Fixes the keys under verification by their public key: the other device's ed25519
 * key, and the master key of the other user (of our own user, for a self-verification).
 * Refuses when the device is unknown or the user has a device ID equal to a
 * cross-signing key. False when the flow was cancelled.
 */
export function pinKeys(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number): boolean {
  if (flow.pinned !== null) return true;
  if (refuseCollision(state, ctx, flow, seq)) return false;
  const device = flow.otherDeviceId === null ? undefined : deviceRecord(ctx.root, flow.otherUserId, flow.otherDeviceId);
  if (device === undefined || device.keysChanged !== null) {
    cancel(state, ctx, flow, seq, 'verification.unknown_device', device === undefined ? 'the other device\'s keys are not known' : 'the other device\'s keys changed');
    return false;
  }
  const pinned: PinnedKey[] = [{ keyId: `ed25519:${device.deviceId}`, publicKey: device.ed25519, role: 'device' }];
  const master = identityDetail(ctx.root, flow.otherUserId).masterKey;
  if (master !== null) pinned.push({ keyId: `ed25519:${master}`, publicKey: master, role: 'master' });
  flow.pinned = pinned;
  record(ctx, 'verification.keys_pinned', about(flow), earlier(seq, device.addedSeq, ...flow.seqs), {
    flow_id: flow.id, pinned: pinned.map((k) => `${k.keyId}=${k.publicKey}`).join(','),
  });
  return true;
}

/** Refuses a flow with a user whose device ID collides with a cross-signing key. */
export function refuseCollision(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number): boolean {
  const collision = keyIdCollision(ctx.root, flow.otherUserId);
  if (collision === undefined) return false;
  touch(flow, collision.seq);
  cancel(state, ctx, flow, seq, 'verification.key_id_collision', `device ${collision.deviceId} has the ID of a cross-signing key`, { device_id: collision.deviceId });
  return true;
}

/**
 * The pinned keys still are the keys the identities slice holds (a device whose keys
 * changed, or a new master key, is a mismatch).
 */
export function pinnedStillCurrent(ctx: ReduceContext, flow: Flow): boolean {
  for (const k of flow.pinned ?? []) {
    if (k.role === 'device') {
      const device = deviceRecord(ctx.root, flow.otherUserId, k.keyId.slice('ed25519:'.length));
      if (device === undefined || device.keysChanged !== null || device.ed25519 !== k.publicKey) return false;
    } else if (identityDetail(ctx.root, flow.otherUserId).masterKey !== k.publicKey) {
      return false;
    }
  }
  return true;
}

/** Our own user and device, from the log's first entry. */
export function us(ctx: ReduceContext): { userId: string; deviceId: string } {
  const o = ownDevice(ctx.root);
  return { userId: o?.userId ?? '', deviceId: o?.deviceId ?? '' };
}

/** A flow by ID, if it is this user's. */
export function flowOf(state: VerificationState, id: string): Flow | undefined {
  return own(state.flows, id);
}
