/**
 * The messages of a to-device flow, received (`to_device` entries) and sent by us
 * (`outgoing_request` facts: the log says what we sent, so our side of the flow is
 * folded from it exactly as theirs is).
 */
import type { EntryOf } from '../../events/entry.js';
import type { SasV1StartContent } from '../../events/verification-start.js';
import { earlier } from '../codes.js';
import type { ReduceContext } from '../slice.js';
import {
  HASH, KEY_AGREEMENT, MAC_LEGACY, MAC_V2, QR_SCAN, QR_SHOW, RECIPROCATE, SAS_METHODS, SAS_V1, about, cancel, finish, flowOf, owe, pinKeys, record, refuseCollision, step, touch, us,
} from './flow.js';
import { FLOW_TIMEOUT_MS, MAX_ACTIVE_FLOWS, MAX_MACS, REQUEST_FUTURE_MS, type Flow, type VerificationState } from './state.js';
import { subject } from '../decision.js';
import { crossSignVerdict } from '../identities/selectors.js';
import { decryptedEventAccepted } from '../megolm/selectors.js';

type Content = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 32) : []);

/** A new flow record. */
export function newFlow(id: string, otherUserId: string, otherDeviceId: string | null, weRequested: boolean, requestedAt: number, seq: number): Flow {
  return {
    id, transport: 'to_device', roomId: null, eventId: null, requestId: null, weRequested, otherUserId, otherDeviceId, asked: [], theirMethods: [], requestedAt, phase: 'requested',
    start: null, accept: null, ourKey: null, theirKey: null, sas: null, confirmed: null, theirMac: null,
    ourMacSent: false, ourDoneSent: false, theirDone: false, qr: false, reciprocated: null, scanned: null, pinned: null, outcome: null, seqs: [seq], owed: [],
  };
}

/** Adds a flow, if there is room for one more running flow. */
export function addFlow(state: VerificationState, flow: Flow): boolean {
  if (state.active.length >= MAX_ACTIVE_FLOWS || Object.prototype.hasOwnProperty.call(state.flows, flow.id)) return false;
  state.flows[flow.id] = flow;
  state.active.push(flow.id);
  return true;
}

/** The flow's ID on the wire: the transaction ID to-device, the request event's ID in a room. */
export function wireId(flow: Flow): string | null {
  return flow.transport === 'in_room' ? flow.eventId : flow.id;
}

/** A received to-device verification event. */
export function foldReceived(state: VerificationState, entry: EntryOf<'to_device'>, ctx: ReduceContext): void {
  const { type, sender } = entry.payload.event;
  const content = entry.payload.event.content as Content;
  const flowId = str(content.transaction_id);
  if (flowId === null) return;
  if (type === 'm.key.verification.request') return received(state, ctx, entry, flowId, content);
  const flow = flowOf(state, flowId);
  if (flow === undefined || flow.otherUserId !== sender || flow.transport !== 'to_device') {
    record(ctx, 'verification.unknown_flow', subject('user', sender), [], { flow_id: flowId, type });
    return;
  }
  foldStep(state, ctx, flow, type, sender, content, entry.seq);
}

/**
 * A room event of a verification: the request (`m.room.message` with msgtype
 * `m.key.verification.request`, to us) starts a flow keyed by its event ID; later events
 * point at it with `m.reference`. Our own echoes are skipped; another of our devices'
 * `ready` means it took the request: we ignore it from then on.
 */
export function foldRoomEvent(state: VerificationState, entry: EntryOf<'room_event'>, ctx: ReduceContext): void {
  foldRoomVerification(state, ctx, entry.payload.room_id, entry.payload.event as RoomVerificationEvent, entry.seq, entry.receivedAt);
}

/**
 * A verification event of an encrypted room, decrypted at ingestion (its content is in
 * the `megolm_decrypted` fact): folded as a clear one, once the megolm rules (folded
 * before this slice) accepted the decryption.
 */
export function foldDecryptedRoomEvent(state: VerificationState, entry: EntryOf<'megolm_decrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  if (p.verification === undefined) return;
  if (!decryptedEventAccepted(ctx.root, p)) {
    record(ctx, 'verification.encrypted_event_refused', subject('event', p.event_id), earlier(entry.seq, p.input_seq), { room_id: p.room_id, sender: p.sender, type: p.verification.type });
    return;
  }
  const event: RoomVerificationEvent = { type: p.verification.type, sender: p.sender, event_id: p.event_id, origin_server_ts: p.origin_server_ts, content: p.verification.content };
  foldRoomVerification(state, ctx, p.room_id, event, entry.seq, entry.receivedAt);
}

/** What the flow reads of a room event, clear or decrypted. */
interface RoomVerificationEvent {
  readonly type: string;
  readonly sender: string;
  readonly event_id: string;
  readonly origin_server_ts: number;
  readonly content: unknown;
}

function foldRoomVerification(state: VerificationState, ctx: ReduceContext, roomId: string, event: RoomVerificationEvent, seq: number, receivedAt: number): void {
  const content = event.content as Content;
  // Nearly every room event is neither: they are told apart before the state is read.
  if (event.type === 'm.room.message') {
    if (content.msgtype !== 'm.key.verification.request') return;
    const me = us(ctx);
    if (content.to !== me.userId || event.sender === me.userId) return;
    return receivedInRoom(state, ctx, event, seq, receivedAt, roomId, content);
  }
  if (!event.type.startsWith('m.key.verification.')) return;
  const me = us(ctx);
  const relates = content['m.relates_to'] as { event_id?: unknown } | undefined;
  const eventId = typeof relates?.event_id === 'string' ? relates.event_id : null;
  const flow = eventId === null ? undefined : state.active.map((id) => state.flows[id]!).find((f) => f.transport === 'in_room' && f.eventId === eventId && f.roomId === roomId);
  if (flow === undefined) {
    if (event.sender !== me.userId) record(ctx, 'verification.unknown_flow', subject('user', event.sender), [], { flow_id: eventId ?? '', type: event.type });
    return;
  }
  if (event.sender === me.userId) {
    if (event.type === 'm.key.verification.ready' && !flow.weRequested && str(content.from_device) !== me.deviceId && flow.outcome === null) {
      // Another of our devices answered: this one leaves the request alone, sending nothing.
      record(ctx, 'verification.accepted_elsewhere', about(flow), earlier(seq, ...flow.seqs), { flow_id: flow.id, answered: str(content.from_device) ?? '' });
      flow.owed = [];
      finish(state, flow, { result: 'cancelled', code: 'verification.accepted_elsewhere', cancelCode: null, reason: 'another of our devices answered', byUs: false, seq });
    }
    return; // our own echo
  }
  if (flow.otherUserId !== event.sender) return;
  foldStep(state, ctx, flow, event.type, event.sender, content, seq);
}

function receivedInRoom(state: VerificationState, ctx: ReduceContext, event: RoomVerificationEvent, seq: number, receivedAt: number, roomId: string, content: Content): void {
  const from = str(content.from_device) ?? '';
  const about0 = subject('device', event.sender, from);
  const ts = event.origin_server_ts;
  if (ts > receivedAt + REQUEST_FUTURE_MS || ts < receivedAt - FLOW_TIMEOUT_MS) {
    record(ctx, 'verification.request_stale', about0, [], { flow_id: event.event_id, timestamp: ts, received_at: receivedAt });
    return;
  }
  const flow = newFlow(event.event_id, event.sender, from, false, receivedAt, seq);
  flow.transport = 'in_room';
  flow.roomId = roomId;
  flow.eventId = event.event_id;
  flow.theirMethods = strings(content.methods);
  if (!addFlow(state, flow)) return;
  record(ctx, 'verification.requested', about0, [], { flow_id: flow.id, by: 'them', room_id: roomId, methods: flow.theirMethods.join(',') });
  refuseCollision(state, ctx, state.flows[flow.id]!, seq);
}

/** One step of a flow from the other side, whichever the transport. */
function foldStep(state: VerificationState, ctx: ReduceContext, flow: Flow, type: string, sender: string, content: Content, seq: number): void {
  if (flow.outcome !== null) return; // a finished flow: late messages change nothing
  const from = str(content.from_device);
  // Once the other device is known, only it speaks in this flow (a second device's answer is refused).
  if (type === 'm.key.verification.ready' && flow.weRequested && flow.otherDeviceId !== null && from !== null && from !== flow.otherDeviceId) {
    record(ctx, 'verification.accepted_elsewhere', subject('device', sender, from), earlier(seq, ...flow.seqs), { flow_id: flow.id, answered: flow.otherDeviceId });
    if (flow.transport === 'to_device') owe(state, flow, { type: 'cancel', wireCode: 'm.accepted', reason: 'another device answered', devices: [from] });
    return;
  }
  touch(flow, seq);
  switch (type) {
    case 'm.key.verification.ready':
      return ready(state, ctx, flow, seq, from, content);
    case 'm.key.verification.start':
      return start(state, ctx, flow, seq, content);
    case 'm.key.verification.accept':
      return accepted(state, ctx, flow, seq, content);
    case 'm.key.verification.key':
      return key(state, ctx, flow, seq, content);
    case 'm.key.verification.mac':
      return mac(state, ctx, flow, seq, content);
    case 'm.key.verification.done':
      // A QR code they scanned: their done may come before the user confirmed (their side verified us from the code).
      if (flow.theirMac === null && flow.reciprocated?.secretOk !== true) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'done before their MAC');
      flow.theirDone = true;
      return maybeDone(state, ctx, flow, seq);
    case 'm.key.verification.cancel':
      record(ctx, 'verification.cancelled', about(flow), earlier(seq, ...flow.seqs), { flow_id: flow.id, cancel_code: str(content.code) ?? '', by: 'them' });
      flow.owed = [];
      return finish(state, flow, { result: 'cancelled', code: 'verification.cancelled', cancelCode: str(content.code), reason: (str(content.reason) ?? '').slice(0, 200), byUs: false, seq });
    default:
      return;
  }
}

function received(state: VerificationState, ctx: ReduceContext, entry: EntryOf<'to_device'>, flowId: string, content: Content): void {
  const sender = entry.payload.event.sender;
  const from = str(content.from_device) ?? '';
  const ts = typeof content.timestamp === 'number' ? content.timestamp : 0;
  const about0 = subject('device', sender, from);
  if (ts > entry.receivedAt + REQUEST_FUTURE_MS || ts < entry.receivedAt - FLOW_TIMEOUT_MS) {
    record(ctx, 'verification.request_stale', about0, [], { flow_id: flowId, timestamp: ts, received_at: entry.receivedAt });
    return;
  }
  const flow = newFlow(flowId, sender, from, false, entry.receivedAt, entry.seq);
  flow.theirMethods = strings(content.methods);
  if (!addFlow(state, flow)) {
    record(ctx, 'verification.unknown_flow', about0, [], { flow_id: flowId, type: 'm.key.verification.request', reason: 'a flow with this ID exists, or too many are running' });
    return;
  }
  record(ctx, 'verification.requested', about0, [], { flow_id: flowId, by: 'them', methods: flow.theirMethods.join(',') });
  const f = state.flows[flowId]!;
  // Refused at once, not when the user accepts: nothing of that user may be verified.
  refuseCollision(state, ctx, f, entry.seq);
}

function ready(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, from: string | null, content: Content): void {
  if (!flow.weRequested || flow.phase !== 'requested' || from === null) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'ready not expected');
  flow.theirMethods = strings(content.methods);
  if (flow.transport === 'to_device' && !flow.asked.includes(from)) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'ready from a device we did not ask');
  flow.otherDeviceId = from;
  flow.phase = 'ready';
  step(ctx, flow, seq, 'ready', { from_device: from });
  const others = flow.transport === 'to_device' ? flow.asked.filter((d) => d !== from) : [];
  if (others.length > 0) {
    record(ctx, 'verification.accepted_elsewhere', about(flow), earlier(seq, ...flow.seqs), { flow_id: flow.id, answered: from, others: others.join(',') });
    owe(state, flow, { type: 'cancel', wireCode: 'm.accepted', reason: 'another device answered', devices: others });
  }
  if (!flow.theirMethods.includes(SAS_V1) && !qrMutual(flow) && !qrScannable(flow)) return cancel(state, ctx, flow, seq, 'verification.unknown_method', 'no common verification method');
  // A QR code either side may show carries the keys under verification: they are fixed now.
  if (qrMutual(flow) || qrScannable(flow)) pinKeys(state, ctx, flow, seq);
}

/** We can scan a QR code the other device shows (it advertised showing and reciprocating). */
export function qrScannable(flow: Flow): boolean {
  return flow.qr && flow.theirMethods.includes(QR_SHOW) && flow.theirMethods.includes(RECIPROCATE);
}

/** We can show a QR code the other device can scan (it advertised scanning and reciprocating). */
export function qrMutual(flow: Flow): boolean {
  return flow.qr && flow.theirMethods.includes(QR_SCAN) && flow.theirMethods.includes(RECIPROCATE);
}

/** The lexicographically smaller (user, device) wins when both sides sent a start. */
function weWinGlare(ctx: ReduceContext, flow: Flow): boolean {
  const me = us(ctx);
  if (me.userId !== flow.otherUserId) return me.userId < flow.otherUserId;
  return me.deviceId < (flow.otherDeviceId ?? '');
}

function start(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, content: Content): void {
  if (flow.phase === 'started' && flow.start?.byUs === true && content.method === SAS_V1 && weWinGlare(ctx, flow)) return; // theirs is ignored
  const expected = flow.phase === 'ready' || (flow.phase === 'started' && flow.start?.byUs === true);
  if (!expected) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', `start in phase ${flow.phase}`);
  if (content.method === RECIPROCATE && flow.phase === 'ready') return reciprocate(state, ctx, flow, seq, content);
  if (content.method !== SAS_V1) return cancel(state, ctx, flow, seq, 'verification.unknown_method', `method ${String(content.method).slice(0, 64)} is not supported`);
  const s = content as unknown as SasV1StartContent;
  const macMethod = s.message_authentication_codes.includes(MAC_V2) ? MAC_V2 : s.message_authentication_codes.includes(MAC_LEGACY) ? MAC_LEGACY : null;
  const sas = SAS_METHODS.filter((m) => s.short_authentication_string.includes(m));
  if (!s.key_agreement_protocols.includes(KEY_AGREEMENT) || !s.hashes.includes(HASH) || macMethod === null || !sas.includes('decimal')) {
    return cancel(state, ctx, flow, seq, 'verification.unknown_method', 'no common key agreement, hash, MAC or SAS method');
  }
  flow.owed = flow.owed.filter((o) => o.type !== 'start');
  flow.start = { byUs: false, canonical: ctx.crypto.canonicalJson(content), seq };
  flow.accept = { byUs: true, keyAgreement: KEY_AGREEMENT, hash: HASH, macMethod, sas, commitment: null };
  flow.phase = 'started';
  step(ctx, flow, seq, 'started', { by: 'them', mac_method: macMethod });
  if (!pinKeys(state, ctx, flow, seq)) return;
  owe(state, flow, { type: 'accept' });
}

/**
 * They scanned the QR code we showed and say so with its shared secret: the outbound path
 * compares it with ours (in memory); the user then confirms the other device scanned it.
 */
function reciprocate(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, content: Content): void {
  if (!qrMutual(flow)) return cancel(state, ctx, flow, seq, 'verification.unknown_method', 'we did not offer to show a QR code');
  const secret = str(content.secret);
  if (secret === null || secret.length === 0 || secret.length > 512) return cancel(state, ctx, flow, seq, 'verification.qr_secret_mismatch', 'the reciprocate start has no usable secret');
  if (!pinKeys(state, ctx, flow, seq)) return;
  flow.owed = flow.owed.filter((o) => o.type !== 'start');
  flow.phase = 'started';
  flow.reciprocated = { secretOk: null, seq };
  step(ctx, flow, seq, 'started', { by: 'them', method: RECIPROCATE });
  owe(state, flow, { type: 'check_qr', seq });
}

function accepted(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, content: Content): void {
  if (flow.phase !== 'started' || flow.start?.byUs !== true) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', `accept in phase ${flow.phase}`);
  const keyAgreement = str(content.key_agreement_protocol) ?? '';
  const hash = str(content.hash) ?? '';
  const macMethod = str(content.message_authentication_code) ?? '';
  const sas = strings(content.short_authentication_string);
  if (keyAgreement !== KEY_AGREEMENT || hash !== HASH || (macMethod !== MAC_V2 && macMethod !== MAC_LEGACY) || !sas.includes('decimal') || sas.some((m) => !(SAS_METHODS as readonly string[]).includes(m))) {
    return cancel(state, ctx, flow, seq, 'verification.unknown_method', 'the accepted options are not among those we offered');
  }
  flow.accept = { byUs: false, keyAgreement, hash, macMethod, sas, commitment: str(content.commitment) };
  flow.phase = 'accepted';
  step(ctx, flow, seq, 'accepted', { by: 'them', mac_method: macMethod });
  owe(state, flow, { type: 'key' });
}

function key(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, content: Content): void {
  const theirKey = str(content.key);
  // The starter sends its key first (after the accept); the accepter answers with its own.
  const ok = flow.phase === 'accepted' && flow.theirKey === null && theirKey !== null && (flow.start?.byUs === true ? flow.ourKey !== null : flow.accept?.byUs === true);
  if (!ok) return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'key not expected');
  flow.theirKey = theirKey;
  if (flow.start?.byUs !== true) owe(state, flow, { type: 'key' });
  else owe(state, flow, { type: 'sas' });
}

function mac(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number, content: Content): void {
  if (flow.sas === null || flow.theirMac !== null || flow.owed.some((o) => o.type === 'check_mac')) {
    return cancel(state, ctx, flow, seq, 'verification.unexpected_message', 'MAC not expected');
  }
  const macs = content.mac as Record<string, unknown>;
  const entries = Object.entries(macs);
  if (entries.length === 0 || entries.length > MAX_MACS) return cancel(state, ctx, flow, seq, 'verification.key_mismatch', `the MAC covers ${entries.length} keys`);
  const checked: Record<string, string> = {};
  for (const [k, v] of entries) checked[k] = typeof v === 'string' ? v : '';
  owe(state, flow, { type: 'check_mac', mac: checked, keys: str(content.keys) ?? '' });
}

/** Done when both MACs crossed (theirs verified, ours sent after the user's confirmation) and both sent done. */
export function maybeDone(state: VerificationState, ctx: ReduceContext, flow: Flow, seq: number): void {
  if (flow.outcome !== null || flow.theirMac === null || flow.confirmed === null) return;
  // A scanner sends done once the device that showed the code has (it confirms the scan first).
  if ((flow.ourMacSent || flow.reciprocated !== null || (flow.scanned !== null && flow.theirDone)) && !flow.ourDoneSent && !flow.owed.some((o) => o.type === 'done')) owe(state, flow, { type: 'done' });
  if (!flow.ourDoneSent || !flow.theirDone) return;
  const pinned = flow.pinned ?? [];
  record(ctx, 'verification.done', about(flow), earlier(seq, ...flow.seqs), {
    flow_id: flow.id,
    pinned: pinned.map((k) => `${k.keyId}=${k.publicKey}`).join(','),
    maced: flow.theirMac.keyIds.join(','),
  });
  finish(state, flow, { result: 'done', code: 'verification.done', cancelCode: null, reason: '', byUs: true, seq });
  const me = us(ctx);
  for (const k of pinned) {
    if (!flow.theirMac.keyIds.includes(k.keyId)) continue;
    const verified = { publicKey: k.publicKey, seq, flowId: flow.id };
    if (k.role === 'device') state.devices[`${flow.otherUserId} ${k.keyId.slice('ed25519:'.length)}`] = verified;
    else state.masters[flow.otherUserId] = verified;
  }
  signVerified(state, ctx, flow, me.userId);
}

/**
 * What a done flow has us sign, when we hold the key to sign it with: our other device
 * (self-signing key) or the other user's master key (user-signing key), both as verified.
 */
function signVerified(state: VerificationState, ctx: ReduceContext, flow: Flow, ownUserId: string): void {
  const maced = flow.theirMac?.keyIds ?? [];
  const pinned = (flow.pinned ?? []).filter((k) => maced.includes(k.keyId));
  if (flow.otherUserId === ownUserId) {
    const device = pinned.find((k) => k.role === 'device');
    const deviceId = device?.keyId.slice('ed25519:'.length);
    if (deviceId !== undefined && crossSignVerdict(ctx.root, { action: 'sign_device', device_id: deviceId }).ok) owe(state, flow, { type: 'sign', action: 'sign_device', deviceId });
    return;
  }
  const master = pinned.find((k) => k.role === 'master');
  if (master === undefined) return;
  const verdict = crossSignVerdict(ctx.root, { action: 'sign_user', user_id: flow.otherUserId });
  // Only the very master key the flow verified is signed.
  if (verdict.ok && verdict.keyId === master.publicKey) owe(state, flow, { type: 'sign', action: 'sign_user', userId: flow.otherUserId });
}

/** Cancels every running flow older than 10 minutes, by this entry's `receivedAt`. */
export function timeOut(state: VerificationState, ctx: ReduceContext, receivedAt: number, seq: number): void {
  for (const id of [...state.active]) {
    const flow = state.flows[id]!;
    if (receivedAt - flow.requestedAt > FLOW_TIMEOUT_MS) cancel(state, ctx, flow, seq, 'verification.timeout', 'the flow did not finish within 10 minutes');
  }
}
