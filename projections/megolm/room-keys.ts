/**
 * Room keys from Olm payloads: `m.room_key` (a session from its creator) and
 * `m.forwarded_room_key` (a session we asked our own verified devices for). Each passes
 * its intake checks here and is then offered to the store (`store.ts`).
 */
import type { LedgerEntry } from '../../events/entry.js';
import type { OlmDecryptedPayload, RoomKeyFacts } from '../../events/facts.js';
import { hmGet } from '../hashmap.js';
import { deviceTrust, isOwnVerifiedDevice, ownDevice } from '../identities/selectors.js';
import { olmPayloadVerdict } from '../olm/selectors.js';
import type { OlmVerdict } from '../olm/state.js';
import type { ReduceContext } from '../slice.js';
import type { MegolmCode } from './codes.js';
import { awaitSenderDevice } from './sender-device.js';
import { offer, refuse, type SessionRef } from './store.js';
import { ANY_SENDER, sessionKey, type MegolmState } from './state.js';

type Content = Readonly<Record<string, unknown>>;

const str = (c: Content, k: string): string | null => (Object.prototype.hasOwnProperty.call(c, k) && typeof c[k] === 'string' ? (c[k] as string) : null);

/** Folds the room key an `olm_decrypted` fact may carry. */
export function foldOlmRoomKey(state: MegolmState, entry: LedgerEntry, ctx: ReduceContext): void {
  const p = entry.payload as OlmDecryptedPayload;
  const type = p.plaintext?.type;
  if (type !== 'm.room_key' && type !== 'm.forwarded_room_key') return;
  const content = p.plaintext!.content;
  const roomId = str(content, 'room_id');
  const claimedId = str(content, 'session_id');
  // The session's sender key: the Olm channel's own key for m.room_key, never a claim;
  // for a forwarded key, the original sender as the (trusted) forwarder states it.
  const senderKey = type === 'm.room_key' ? p.sender_key : str(content, 'sender_key');
  const because = [p.input_seq];
  if (roomId === null || claimedId === null) {
    // Nothing names a session to note the refusal against: decided about the input.
    return refuse(state, ctx, entry, 'room_key.not_imported', { roomId: roomId ?? '', senderKey: null, sessionId: claimedId ?? '' }, because, { type, error: 'no room_id or session_id' });
  }
  const ref: SessionRef = { roomId, senderKey, sessionId: claimedId };
  const verdict = olmPayloadVerdict(ctx.root, entry.seq);
  if (verdict === undefined || !verdict.ok) {
    return refuse(state, ctx, entry, 'room_key.invalid_payload', ref, because, { type, olm_code: verdict?.code ?? null });
  }
  const trust = type === 'm.forwarded_room_key' ? forwarderTrust(ctx, p, verdict) : { code: null, because: [] };
  const request = type === 'm.forwarded_room_key' && senderKey !== null ? openRequestFor(state, roomId, senderKey, claimedId) : undefined;
  const keyFacts = p.room_key;
  if (senderKey === null || keyFacts === null || keyFacts.session_id === null || keyFacts.first_known_index === null || keyFacts.commitment === null) {
    return refuse(state, ctx, entry, 'room_key.not_imported', ref, because, { type, error: keyFacts?.error ?? 'the content is not a valid room key' });
  }
  if (keyFacts.session_id !== claimedId) {
    return refuse(state, ctx, entry, 'room_key.session_id_mismatch', ref, because, { type, real_session_id: keyFacts.session_id });
  }
  if (type === 'm.room_key') return offerRoomKey(state, entry, ctx, p, verdict, { ...ref, senderKey }, keyFacts);

  const openRequest = request !== undefined && request.fulfilledSeq === null ? request : undefined;
  if (trust.code === null && openRequest === undefined) {
    return refuse(state, ctx, entry, 'forwarded_key.unrequested', ref, [...because, ...trust.because, request?.fulfilledSeq], {
      type, request_fulfilled_at: request?.fulfilledSeq ?? null,
    });
  }
  const chain = Array.isArray(content['forwarding_curve25519_key_chain']) ? (content['forwarding_curve25519_key_chain'] as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  const taken = offer(state, ctx, entry, {
    ...ref,
    senderKey,
    firstKnownIndex: keyFacts.first_known_index,
    commitment: keyFacts.commitment,
    advanced: keyFacts.advanced,
    source: { type: 'forwarded', userId: verdict.device?.userId ?? null, deviceId: verdict.device?.deviceId ?? null, viaCurveKey: p.sender_key, seq: entry.seq },
    authenticity: 'unauthenticated',
    claimedEd25519: str(content, 'sender_claimed_ed25519_key'),
    ownerUserId: null,
    forwardingChain: chain,
    distrust: trust.code,
    acceptCode: 'forwarded_key.accepted',
    because: [...because, ...trust.because, openRequest?.seq],
    detail: { type, forwarder: verdict.device?.deviceId ?? null, forwarder_key: p.sender_key, request_id: openRequest?.requestId ?? null },
  });
  if (taken && openRequest !== undefined) openRequest.fulfilledSeq = entry.seq;
}

function offerRoomKey(
  state: MegolmState, entry: LedgerEntry, ctx: ReduceContext, p: OlmDecryptedPayload, verdict: OlmVerdict,
  ref: SessionRef & { senderKey: string }, keyFacts: RoomKeyFacts,
): void {
  // Authenticated: the Olm key is a /keys/query device of the payload's sender (the olm
  // slice refused any other owner), whose keys have not been replaced since.
  const device = verdict.device;
  const trust = device?.via === 'keys_query' ? deviceTrust(ctx.root, device.userId, device.deviceId) : undefined;
  const authenticated = device?.via === 'keys_query' && trust?.level !== 'blocked';
  const taken = offer(state, ctx, entry, {
    ...ref,
    firstKnownIndex: keyFacts.first_known_index!,
    commitment: keyFacts.commitment!,
    advanced: keyFacts.advanced,
    source: { type: 'room_key', userId: device?.userId ?? p.sender, deviceId: device?.deviceId ?? null, viaCurveKey: p.sender_key, seq: entry.seq },
    authenticity: authenticated ? 'authenticated' : 'unauthenticated',
    claimedEd25519: p.plaintext!.keys.ed25519,
    ownerUserId: p.sender,
    forwardingChain: null,
    distrust: null,
    acceptCode: 'room_key.accepted',
    because: [p.input_seq, device?.seq],
    detail: { type: 'm.room_key', sender: p.sender, device_id: device?.deviceId ?? null, device_trust: trust?.level ?? null },
  });
  // Its device unknown yet: a later /keys/query listing the Olm key may authenticate it.
  if (taken && device?.via !== 'keys_query') {
    awaitSenderDevice(state, sessionKey(ref.roomId, ref.senderKey, ref.sessionId), ref.senderKey, { roomKeySeq: entry.seq, inputSeq: p.input_seq, sender: p.sender, claimedEd25519: p.plaintext!.keys.ed25519 });
  }
}

/**
 * Whether a forwarded key's Olm channel is a verified device of our own user, found by
 * the channel's Curve25519 key (never by a device ID the payload claims).
 */
function forwarderTrust(ctx: ReduceContext, p: OlmDecryptedPayload, verdict: OlmVerdict): { code: MegolmCode | null; because: number[] } {
  const me = ownDevice(ctx.root);
  const device = verdict.device;
  if (me === null || p.sender !== me.userId) return { code: 'forwarded_key.other_user', because: [] };
  if (device === null || device.via !== 'keys_query' || !isOwnVerifiedDevice(ctx.root, device.userId, device.deviceId)) {
    return { code: 'forwarded_key.untrusted_sender', because: device?.via === 'keys_query' ? [device.seq] : [] };
  }
  return { code: null, because: [device.seq, deviceTrust(ctx.root, device.userId, device.deviceId).seq] };
}

/**
 * Our request for this session: the one naming its sender key, else one made without a
 * sender key (for the session ID in that room); an open one before a fulfilled one.
 */
function openRequestFor(state: MegolmState, roomId: string, senderKey: string, sessionId: string) {
  const exact = hmGet(state.requests, sessionKey(roomId, senderKey, sessionId));
  if (exact !== undefined && exact.fulfilledSeq === null) return exact;
  return hmGet(state.requests, sessionKey(roomId, ANY_SENDER, sessionId)) ?? exact;
}
