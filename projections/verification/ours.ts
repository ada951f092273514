/**
 * Our side of a flow: the user's actions, the messages we sent (`outgoing_request`
 * facts), and the facts only the SAS secret could give (`sas_computed`, `sas_mac_checked`).
 */
import type { EntryOf } from '../../events/entry.js';
import type { VerificationAction, VerificationScanQrAction } from '../../events/verification-actions.js';
import { verificationActionCodecs } from '../../events/verification-actions.js';
import { earlier } from '../codes.js';
import { subject } from '../decision.js';
import { identityDetail, knownDevices, ownDevice } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import { about, cancel, finish, flowOf, owe, pinKeys, pinnedStillCurrent, record, refuseCollision, step, touch, us } from './flow.js';
import { hexBytes, sasDecimals, sasEmojiIndices } from './sas.js';
import { addFlow, maybeDone, newFlow, qrMutual, qrScannable, wireId } from './steps.js';
import { qrMode, qrVerifiedKeyIds } from './qr.js';
import type { Flow, VerificationState } from './state.js';

/** A verification `user_action`; other actions are left alone. */
export function foldAction(state: VerificationState, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const action = entry.payload.action;
  if (!Object.prototype.hasOwnProperty.call(verificationActionCodecs, action)) return;
  const a = entry.payload as VerificationAction;
  const seq = entry.seq;
  if (a.action === 'verification_request') {
    const me = us(ctx);
    const devices = a.device_id !== undefined ? [a.device_id] : knownDevices(ctx.root, a.user_id).filter((d) => !(a.user_id === me.userId && d === me.deviceId));
    const flow = newFlow(a.flow_id, a.user_id, a.room_id === undefined ? (a.device_id ?? null) : null, true, entry.receivedAt, seq);
    flow.asked = a.room_id === undefined ? devices.slice(0, 64) : [];
    flow.qr = a.qr === true;
    if (a.room_id !== undefined) {
      flow.transport = 'in_room';
      flow.roomId = a.room_id;
    }
    if (!addFlow(state, flow)) {
      record(ctx, 'verification.unknown_flow', subject('user', a.user_id), [], { flow_id: a.flow_id, type: 'verification_request', reason: 'a flow with this ID exists, or too many are running' });
      return;
    }
    const f = state.flows[a.flow_id]!;
    record(ctx, 'verification.requested', about(f), [], { flow_id: f.id, by: 'us', devices: f.asked.join(',') });
    if (refuseCollision(state, ctx, f, seq)) return;
    owe(state, f, { type: 'request', devices: f.asked });
    return;
  }
  const flow = flowOf(state, a.flow_id);
  if (flow === undefined || flow.outcome !== null) {
    record(ctx, 'verification.unknown_flow', subject('input', seq), [], { flow_id: a.flow_id, type: a.action });
    return;
  }
  touch(flow, seq);
  switch (a.action) {
    case 'verification_accept':
      if (flow.weRequested || flow.phase !== 'requested') return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'nothing to accept');
      flow.phase = 'ready';
      flow.qr = a.qr === true;
      step(ctx, flow, seq, 'ready', { by: 'us', qr: flow.qr });
      owe(state, flow, { type: 'ready' });
      // A QR code either side may show carries the keys under verification: they are fixed now.
      if (qrMutual(flow) || qrScannable(flow)) pinKeys(state, ctx, flow, seq);
      return;
    case 'verification_scan_qr':
      return scannedTheirs(state, ctx, flow, seq, a);
    case 'verification_start_sas':
      if (flow.phase !== 'ready') return cancel(state, ctx, flow, seq, 'verification.unexpected_message', `start in phase ${flow.phase}`);
      if (!pinKeys(state, ctx, flow, seq)) return;
      flow.phase = 'started';
      return owe(state, flow, { type: 'start' });
    case 'verification_confirm':
      if (flow.reciprocated !== null) return confirmScanned(state, ctx, flow, seq, a.match);
      if (flow.sas === null || flow.confirmed !== null) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'no SAS to confirm');
      if (!a.match) return cancel(state, ctx, flow, seq, 'verification.mismatched_sas', 'the user said the SAS do not match');
      flow.confirmed = seq;
      step(ctx, flow, seq, 'confirmed');
      owe(state, flow, { type: 'mac' });
      return;
    case 'verification_cancel':
      return cancel(state, ctx, flow, seq, 'verification.cancelled', 'cancelled by the user');
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** One of our requests: a verification message we sent; clears what it paid of the flow's debt. */
export function foldSent(state: VerificationState, entry: EntryOf<'outgoing_request'>, ctx: ReduceContext): void {
  const p = entry.payload;
  if (p.type === 'signature_upload') return foldSigned(state, p.body as Record<string, Record<string, unknown>>);
  let type: string;
  let content: Record<string, unknown> | undefined;
  let flow: Flow | undefined;
  if (p.type === 'room_message') {
    // An encrypted one carries its plaintext beside the ciphertext: the flow folds that.
    const eventType = p.event_type === 'm.room.encrypted' && p.verification !== undefined ? p.verification.type : p.event_type;
    const body = (p.event_type === 'm.room.encrypted' && p.verification !== undefined ? p.verification.content : p.body) as Record<string, unknown>;
    if (eventType === 'm.room.message' && body.msgtype === 'm.key.verification.request') {
      // Our in-room request: its response will name the event ID, the flow's ID on the wire.
      flow = flowOf(state, p.txn_id);
      if (flow === undefined) return;
      flow.requestId = p.id;
      type = 'request';
    } else if (eventType.startsWith('m.key.verification.')) {
      const relates = body['m.relates_to'] as { event_id?: unknown } | undefined;
      flow = state.active.map((id) => state.flows[id]!).find((f) => f.transport === 'in_room' && f.eventId === relates?.event_id);
      type = eventType.slice('m.key.verification.'.length);
    } else {
      return;
    }
    content = body;
  } else {
    if (p.type !== 'to_device' || !p.event_type.startsWith('m.key.verification.')) return;
    type = p.event_type.slice('m.key.verification.'.length);
    for (const devices of Object.values(p.body.messages)) for (const c of Object.values(devices)) content ??= c as Record<string, unknown>;
    const flowId = typeof content?.transaction_id === 'string' ? content.transaction_id : null;
    flow = flowId === null ? undefined : flowOf(state, flowId);
  }
  if (flow === undefined || content === undefined) return;
  touch(flow, entry.seq);
  const i = flow.owed.findIndex((o) => o.type === type);
  if (i >= 0) flow.owed.splice(i, 1);
  switch (type) {
    case 'start':
      flow.start = { byUs: true, canonical: ctx.crypto.canonicalJson(content), seq: entry.seq };
      step(ctx, flow, entry.seq, 'started', { by: 'us' });
      break;
    case 'accept':
      flow.phase = 'accepted';
      step(ctx, flow, entry.seq, 'accepted', { by: 'us' });
      break;
    case 'key':
      flow.ourKey = typeof content.key === 'string' ? content.key : null;
      // The accepter sends its key after the starter's: both known now.
      if (flow.theirKey !== null) owe(state, flow, { type: 'sas' });
      break;
    case 'mac':
      flow.ourMacSent = true;
      flow.phase = 'mac';
      maybeDone(state, ctx, flow, entry.seq);
      break;
    case 'done':
      flow.ourDoneSent = true;
      maybeDone(state, ctx, flow, entry.seq);
      break;
    case 'cancel':
      // A cancel the outbound path made itself, unowed (its SAS secret was lost to a restart);
      // an owed one either ended the flow already or told other devices `m.accepted`.
      if (i < 0 && flow.outcome === null) {
        record(ctx, 'verification.cancelled', about(flow), earlier(entry.seq, ...flow.seqs), { flow_id: flow.id, cancel_code: String(content.code), by: 'us' });
        finish(state, flow, { result: 'cancelled', code: 'verification.cancelled', cancelCode: String(content.code), reason: String(content.reason ?? ''), byUs: true, seq: entry.seq });
        flow.owed = [];
      }
      break;
    default:
      break;
  }
}

/** The SAS, computed: shown to the user, unless the commitment did not match. */
export function foldSasComputed(state: VerificationState, entry: EntryOf<'sas_computed'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const flow = flowOf(state, p.flow_id);
  if (flow === undefined || flow.outcome !== null) return;
  touch(flow, entry.seq);
  flow.owed = flow.owed.filter((o) => o.type !== 'sas');
  if (p.commitment_ok === false) return cancel(state, ctx, flow, entry.seq, 'verification.mismatched_commitment', 'their key does not match their commitment');
  const bytes = hexBytes(p.sas_bytes);
  flow.sas = { emoji: sasEmojiIndices(bytes), decimals: sasDecimals(bytes), seq: entry.seq };
  flow.phase = 'keys_exchanged';
  record(ctx, 'verification.sas_ready', about(flow), earlier(entry.seq, ...flow.seqs), { flow_id: flow.id, decimals: flow.sas.decimals.join('-') });
}

/**
 * Their MACs, checked with the SAS secret: accepted only when every MACed key ID is in
 * the pinned set, checked against the pinned public key, and still current; anything
 * else is a key mismatch.
 */
export function foldMacChecked(state: VerificationState, entry: EntryOf<'sas_mac_checked'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const flow = flowOf(state, p.flow_id);
  if (flow === undefined || flow.outcome !== null) return;
  touch(flow, entry.seq);
  flow.owed = flow.owed.filter((o) => o.type !== 'check_mac');
  const pinned = flow.pinned ?? [];
  const keyIds = p.keys.map((k) => k.key_id);
  const outside = p.keys.find((k) => { const pin = pinned.find((x) => x.keyId === k.key_id); return pin === undefined || k.public_key !== pin.publicKey; });
  const bad = p.keys.find((k) => !k.ok);
  const problem = !p.key_ids_ok ? 'the MAC of the key ID list does not verify'
    : outside !== undefined ? `${outside.key_id} is not a pinned key`
    : bad !== undefined ? `the MAC of ${bad.key_id} does not verify`
    : !keyIds.some((id) => pinned.some((k) => k.keyId === id && k.role === 'device')) && !keyIds.some((id) => pinned.some((k) => k.keyId === id && k.role === 'master')) ? 'no pinned key is MACed'
    : !pinnedStillCurrent(ctx, flow) ? 'a pinned key changed since the flow started'
    : null;
  if (problem !== null) return cancel(state, ctx, flow, entry.seq, 'verification.key_mismatch', problem, { maced: keyIds.join(',') });
  flow.theirMac = { keyIds: [...keyIds].sort(), seq: entry.seq };
  step(ctx, flow, entry.seq, 'mac_verified', { maced: flow.theirMac.keyIds.join(',') });
  maybeDone(state, ctx, flow, entry.seq);
}

/**
 * After a `/keys/query`: a running flow whose user now has a colliding device ID, or
 * whose pinned key changed, is cancelled.
 */
export function recheckPinned(state: VerificationState, entry: EntryOf<'keys_query'>, ctx: ReduceContext): void {
  for (const id of [...state.active]) {
    const flow = state.flows[id]!;
    if (refuseCollision(state, ctx, flow, entry.seq)) continue;
    if (flow.pinned !== null && !pinnedStillCurrent(ctx, flow)) cancel(state, ctx, flow, entry.seq, 'verification.key_mismatch', 'a pinned key changed since the flow started');
  }
}

/** A `signature_upload` we made: it pays the signing a done flow owed for that key. */
function foldSigned(state: VerificationState, body: Record<string, Record<string, unknown>>): void {
  for (const id of [...state.owing]) {
    const flow = state.flows[id];
    if (flow === undefined) continue;
    const i = flow.owed.findIndex((o) => o.type === 'sign' && (o.action === 'sign_device'
      ? Object.prototype.hasOwnProperty.call(body[flow.otherUserId] ?? {}, o.deviceId)
      : Object.keys(body[o.userId] ?? {}).length > 0));
    if (i >= 0) flow.owed.splice(i, 1);
  }
}

/** The response to our in-room request: the event ID the flow is known by from now on. */
export function foldRoomMessageSent(state: VerificationState, entry: EntryOf<'room_message_sent'>, ctx: ReduceContext): void {
  const eventId = entry.payload.response['event_id'];
  if (typeof eventId !== 'string') return;
  const flow = state.active.map((id) => state.flows[id]!).find((f) => f.requestId === entry.payload.request_id);
  if (flow === undefined || flow.eventId !== null) return;
  flow.eventId = eventId;
  touch(flow, entry.seq);
  step(ctx, flow, entry.seq, 'request_sent', { event_id: eventId, room_id: flow.roomId ?? '' });
}

/**
 * The user said the other device scanned our QR code (or not): confirmed, the keys the
 * code's mode verifies (the other user's master key; the other device; our master key)
 * count as proven, as a verified MAC would, and we owe done.
 */
function confirmScanned(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, match: boolean): void {
  if (flow.reciprocated?.secretOk !== true || flow.confirmed !== null) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'no scanned QR code to confirm');
  if (!match) return cancel(state, ctx, flow, seq, 'verification.cancelled', 'the user said the other device did not scan our QR code');
  if (!pinnedStillCurrent(ctx, flow)) return cancel(state, ctx, flow, seq, 'verification.key_mismatch', 'a pinned key changed since the flow started');
  flow.confirmed = seq;
  const mode = qrMode(ctx.root, flow);
  flow.theirMac = { keyIds: qrVerifiedKeyIds(flow, mode), seq };
  step(ctx, flow, seq, 'qr_confirmed', { mode, verified: flow.theirMac.keyIds.join(',') });
  maybeDone(state, ctx, flow, seq);
}

/** Their reciprocate secret, compared with ours: a match waits for the user, anything else cancels. */
export function foldQrChecked(state: VerificationState, entry: EntryOf<'qr_secret_checked'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const flow = flowOf(state, p.flow_id);
  if (flow === undefined || flow.outcome !== null || flow.reciprocated === null) return;
  touch(flow, entry.seq);
  flow.owed = flow.owed.filter((o) => o.type !== 'check_qr');
  if (!p.ok) return cancel(state, ctx, flow, entry.seq, 'verification.qr_secret_mismatch', 'the scanned secret is not the one of the QR code we showed');
  flow.reciprocated = { secretOk: true, seq: entry.seq };
  record(ctx, 'verification.qr_scanned', about(flow), earlier(entry.seq, ...flow.seqs), { flow_id: flow.id, mode: qrMode(ctx.root, flow) });
}

/**
 * We scanned their code: every key in it must be the pinned one (or ours), by public key,
 * for the mode it claims, and its flow ID this flow's; then the keys the code proves are
 * verified (their master key in mode 0 and 1, their device in mode 2) and we owe the
 * `m.reciprocate.v1` start with its secret. Anything else cancels with `m.key_mismatch`.
 */
function scannedTheirs(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, a: VerificationScanQrAction): void {
  if (flow.phase !== 'ready' || !qrScannable(flow) || flow.scanned !== null) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'no QR code to scan in this flow');
  if (!pinKeys(state, ctx, flow, seq)) return;
  const me = us(ctx);
  const self = flow.otherUserId === me.userId;
  const pinned = flow.pinned ?? [];
  const theirDevice = pinned.find((k) => k.role === 'device')?.publicKey ?? null;
  const master = pinned.find((k) => k.role === 'master')?.publicKey ?? null;
  const ourMaster = identityDetail(ctx.root, me.userId).masterKey;
  const ourDevice = ownDevice(ctx.root)?.ed25519 ?? null;
  // What the code must carry, from the displaying device's side (spec "QR code format").
  const expected: [string | null, string | null] | null = a.mode === 0 && !self ? [master, ourMaster]
    : a.mode === 1 && self ? [master, ourDevice]
    : a.mode === 2 && self ? [theirDevice, master]
    : null;
  const problem = expected === null ? `mode ${a.mode} does not fit this flow`
    : a.code_flow_id !== wireId(flow) ? 'the code names another flow'
    : expected[0] === null || a.first_key !== expected[0] ? 'the first key is not the pinned one'
    : expected[1] === null || a.second_key !== expected[1] ? 'the second key is not the one we hold'
    : !pinnedStillCurrent(ctx, flow) ? 'a pinned key changed since the flow started'
    : null;
  if (problem !== null) return cancel(state, ctx, flow, seq, 'verification.qr_key_mismatch', problem, { mode: a.mode });
  const role = a.mode === 2 ? 'device' : 'master';
  flow.scanned = { mode: a.mode, seq };
  flow.confirmed = seq;
  flow.theirMac = { keyIds: pinned.filter((k) => k.role === role).map((k) => k.keyId), seq };
  flow.phase = 'started';
  step(ctx, flow, seq, 'qr_scanned_theirs', { mode: a.mode, verified: flow.theirMac.keyIds.join(',') });
  owe(state, flow, { type: 'start', reciprocate: true });
}
