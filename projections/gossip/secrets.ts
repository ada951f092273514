/**
 * Our secret requests and the `m.secret.send` answering them. A secret is taken only over
 * Olm, from a verified device of our own user that we sent the request to (the request by
 * its `request_id`, the device by the Olm sender's Curve25519 key), and only once; the
 * log keeps the decision, the vault the secret ("impersonation to confidentiality
 * break", Albrecht et al., IEEE S&P 2023: an attacker answering our request with a backup
 * key of their own is refused here).
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import type { EntryOf } from '../../events/entry.js';
import type { GossipSentPayload, SecretStoredPayload } from '../../events/gossip.js';
import { SendSecretRequestAction } from '../../events/user-actions.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmDelete, hmGet, hmPeek, hmSet } from '../hashmap.js';
import { deviceTrust, isOwnVerifiedDevice, ownDevice } from '../identities/selectors.js';
import { olmPayloadVerdict } from '../olm/selectors.js';
import type { ReduceContext } from '../slice.js';
import { gossipCodes } from './codes.js';
import { ownVerifiedDevices } from './own-devices.js';
import { incomingKey, type GossipState } from './state.js';

const record = recorderFor(gossipCodes);

/** `requestSecret`: sent to our own verified devices as they stand now, and only they may answer. */
export function foldSendSecretRequest(state: GossipState, entry: EntryOf<'user_action'>, ctx: ReduceContext): void {
  const decoded = decodeWith(SendSecretRequestAction, entry.payload);
  if (!isRight(decoded)) return;
  const a = decoded.right;
  const me = ownDevice(ctx.root);
  const about = subject('user', me?.userId ?? '');
  const asked = ownVerifiedDevices(ctx.root);
  if (asked.length === 0) return record(ctx, 'secret_request.no_verified_device', about, [], { request_id: a.request_id, name: a.name });
  hmSet(state.secretRequests, a.request_id, { name: a.name, seq: entry.seq, asked, fulfilledSeq: null, answeredBy: null, cancelledSeq: null });
  record(ctx, 'secret_request.requested', about, [], { request_id: a.request_id, name: a.name, devices: asked.map((d) => d.deviceId).join(' ') });
}

/** An `m.secret.send` inside an Olm payload. */
export function foldOlmSecretSend(state: GossipState, entry: EntryOf<'olm_decrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const content = p.plaintext?.content ?? {};
  const requestId = typeof content['request_id'] === 'string' ? content['request_id'] : null;
  const verdict = olmPayloadVerdict(ctx.root, entry.seq);
  const device = verdict?.device ?? null;
  const about = subject('device', p.sender, device?.deviceId ?? p.sender_key);
  const detail = { request_id: requestId, sender_key: p.sender_key };
  if (verdict === undefined || !verdict.ok || requestId === null) return record(ctx, 'secret_send.invalid_payload', about, [p.input_seq], { ...detail, olm_code: verdict?.code ?? null });
  const me = ownDevice(ctx.root);
  if (me === null || p.sender !== me.userId) return record(ctx, 'secret_send.other_user', about, [p.input_seq], detail);
  if (device === null || device.via !== 'keys_query' || !isOwnVerifiedDevice(ctx.root, device.userId, device.deviceId)) {
    return record(ctx, 'secret_send.unverified_device', about, earlier(entry.seq, p.input_seq, device?.via === 'keys_query' ? device.seq : null), detail);
  }
  const because = earlier(entry.seq, p.input_seq, device.seq, deviceTrust(ctx.root, device.userId, device.deviceId).seq);
  const request = hmGet(state.secretRequests, requestId);
  if (request === undefined || request.fulfilledSeq !== null) {
    return record(ctx, 'secret_send.unrequested', about, earlier(entry.seq, ...because, request?.fulfilledSeq), { ...detail, answered_at: request?.fulfilledSeq ?? null });
  }
  if (!request.asked.some((d) => d.curve25519 === p.sender_key)) {
    return record(ctx, 'secret_send.unasked_device', about, earlier(entry.seq, ...because, request.seq), { ...detail, name: request.name, asked: request.asked.map((d) => d.deviceId).join(' ') });
  }
  request.fulfilledSeq = entry.seq;
  request.answeredBy = device.deviceId;
  hmSet(state.secretsToStore, requestId, { name: request.name, seq: entry.seq });
  if (request.asked.length > 1) hmSet(state.cancellationsDue, requestId, 1);
  record(ctx, 'secret_send.accepted', about, earlier(entry.seq, ...because, request.seq), { ...detail, name: request.name });
}

/** A secret sealed in the vault: we hold it now, whichever path learned it. */
export function foldSecretStored(state: GossipState, entry: EntryOf<'secret_stored'>): void {
  const p: SecretStoredPayload = entry.payload;
  hmSet(state.stored, p.name, { seq: entry.seq, source: p.source, publicKey: p.public_key });
  if (p.request_id !== null) hmDelete(state.secretsToStore, p.request_id);
}

/** The outbound path sent something a request called for. */
export function foldGossipSent(state: GossipState, entry: EntryOf<'gossip_sent'>): void {
  const p: GossipSentPayload = entry.payload;
  if (p.what === 'secret_request_cancellation') {
    hmDelete(state.cancellationsDue, p.request_id);
    const request = hmGet(state.secretRequests, p.request_id);
    if (request !== undefined) request.cancelledSeq = entry.seq;
    return;
  }
  if (p.what === 'forwarded_room_key' || p.what === 'room_key_withheld' || p.what === 'secret_send') {
    const key = incomingKey(p.user_id, p.device_ids[0] ?? '', p.request_id);
    if (hmPeek(state.answersDue, key) !== undefined) hmDelete(state.answersDue, key);
  }
}
