/**
 * Room keys from Olm payloads: `m.room_key` (a session from its creator) and
 * `m.forwarded_room_key` (a session we asked our own verified devices for). Each passes
 * its intake checks here and is then offered to the store (`store.ts`).
 */
import type { EntryOf } from '../../events/entry.js';
import type { OlmDecryptedPayload, RoomKeyFacts } from '../../events/facts.js';
import { hmGet } from '../hashmap.js';
import { deviceTrust } from '../identities/selectors.js';
import { olmPayloadVerdict } from '../olm/selectors.js';
import type { OlmVerdict } from '../olm/state.js';
import type { ReduceContext } from '../slice.js';
import { askedDevice, forwarderOf, keyStanding, mayAcceptForward, requestFor } from './forwarded.js';
import { cancellationDue } from './requests.js';
import { awaitSenderDevice } from './sender-device.js';
import { offer, refuse, type SessionRef } from './store.js';
import { ANY_SENDER, sessionKey, type KeyRequestRecord, type MegolmState } from './state.js';

type Content = Readonly<Record<string, unknown>>;

const str = (c: Content, k: string): string | null => (Object.prototype.hasOwnProperty.call(c, k) && typeof c[k] === 'string' ? (c[k] as string) : null);

/** Folds the room key an `olm_decrypted` fact may carry. */
export function foldOlmRoomKey(state: MegolmState, entry: EntryOf<'olm_decrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
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
  const keyFacts = p.room_key;
  if (type === 'm.forwarded_room_key') return foldForwardedKey(state, entry, ctx, p, verdict, ref, keyFacts);
  if (verdict === undefined || !verdict.ok) {
    return refuse(state, ctx, entry, 'room_key.invalid_payload', ref, because, { type, olm_code: verdict?.code ?? null });
  }
  if (senderKey === null || keyFacts === null || keyFacts.session_id === null || keyFacts.first_known_index === null || keyFacts.commitment === null) {
    return refuse(state, ctx, entry, 'room_key.not_imported', ref, because, { type, error: keyFacts?.error ?? 'the content is not a valid room key' });
  }
  if (keyFacts.session_id !== claimedId) {
    return refuse(state, ctx, entry, 'room_key.session_id_mismatch', ref, because, { type, real_session_id: keyFacts.session_id });
  }
  return offerRoomKey(state, entry, ctx, p, verdict, { ...ref, senderKey }, keyFacts);
}

/**
 * An `m.forwarded_room_key`: refused by the first rule of `mayAcceptForward` it breaks,
 * whether or not we hold the session; otherwise offered to the store.
 */
function foldForwardedKey(
  state: MegolmState, entry: EntryOf<'olm_decrypted'>, ctx: ReduceContext, p: OlmDecryptedPayload, verdict: OlmVerdict | undefined, ref: SessionRef, keyFacts: RoomKeyFacts | null,
): void {
  const type = 'm.forwarded_room_key';
  const content = p.plaintext!.content;
  const payloadOk = verdict !== undefined && verdict.ok;
  const forwarder = forwarderOf(ctx, p.sender, verdict);
  const request = requestFor(state, ref.roomId, ref.senderKey, ref.sessionId);
  const openRequest = request !== undefined && request.fulfilledSeq === null ? request : undefined;
  const refusal = mayAcceptForward({
    payloadOk,
    forwarder: forwarder.standing,
    request: openRequest !== undefined ? 'open' : request !== undefined ? 'fulfilled' : 'none',
    askedForwarder: askedDevice(openRequest, p.sender_key),
    key: keyStanding(keyFacts, ref.senderKey, ref.sessionId),
  });
  const because = [p.input_seq, ...forwarder.because];
  const forwarderDetail = { forwarder: verdict?.device?.deviceId ?? null, forwarder_key: p.sender_key };
  switch (refusal) {
    case null:
      break;
    case 'room_key.invalid_payload':
      return refuse(state, ctx, entry, refusal, ref, [p.input_seq], { type, olm_code: verdict?.code ?? null });
    case 'forwarded_key.other_user':
    case 'forwarded_key.untrusted_sender':
      return refuse(state, ctx, entry, refusal, ref, because, {
        type, ...forwarderDetail, request_id: openRequest?.requestId ?? null, first_known_index: keyFacts?.first_known_index ?? null, authenticity: 'unauthenticated',
        ...storedDetail(state, ref),
      });
    case 'forwarded_key.unrequested':
      return refuse(state, ctx, entry, refusal, ref, [...because, request?.fulfilledSeq], { type, request_fulfilled_at: request?.fulfilledSeq ?? null });
    case 'forwarded_key.unasked_device':
      return refuse(state, ctx, entry, refusal, ref, [...because, openRequest?.seq], {
        type, ...forwarderDetail, request_id: openRequest?.requestId ?? null, asked: (openRequest?.asked ?? []).map((d) => d.deviceId).join(' '),
      });
    case 'room_key.not_imported':
      return refuse(state, ctx, entry, refusal, ref, because, { type, error: keyFacts?.error ?? 'the content is not a valid room key' });
    case 'room_key.session_id_mismatch':
      return refuse(state, ctx, entry, refusal, ref, because, { type, real_session_id: keyFacts!.session_id });
    default: {
      const never: never = refusal;
      return never;
    }
  }
  const chain = Array.isArray(content['forwarding_curve25519_key_chain']) ? (content['forwarding_curve25519_key_chain'] as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  const taken = offer(state, ctx, entry, {
    ...ref,
    senderKey: ref.senderKey!,
    firstKnownIndex: keyFacts!.first_known_index!,
    commitment: keyFacts!.commitment!,
    advanced: keyFacts!.advanced,
    source: { type: 'forwarded', userId: verdict!.device?.userId ?? null, deviceId: verdict!.device?.deviceId ?? null, viaCurveKey: p.sender_key, seq: entry.seq },
    authenticity: 'unauthenticated',
    claimedEd25519: str(content, 'sender_claimed_ed25519_key'),
    ownerUserId: null,
    forwardingChain: chain,
    acceptCode: 'forwarded_key.accepted',
    because: [...because, openRequest!.seq],
    detail: { type, ...forwarderDetail, request_id: openRequest!.requestId },
  });
  if (taken) {
    openRequest!.fulfilledSeq = entry.seq;
    cancellationDue(state, openRequest!, requestKeyOf(state, ref, openRequest!));
  }
}

/** For a refused forward of a session we hold: what we hold, so the decision shows what was attacked. */
function storedDetail(state: MegolmState, ref: SessionRef): Record<string, number | string> {
  const stored = ref.senderKey === null ? undefined : hmGet(state.sessions, sessionKey(ref.roomId, ref.senderKey, ref.sessionId));
  return stored === undefined ? {} : { stored_first_known_index: stored.firstKnownIndex, stored_authenticity: stored.authenticity };
}

function offerRoomKey(
  state: MegolmState, entry: EntryOf<'olm_decrypted'>, ctx: ReduceContext, p: OlmDecryptedPayload, verdict: OlmVerdict,
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
    acceptCode: 'room_key.accepted',
    because: [p.input_seq, device?.seq],
    detail: { type: 'm.room_key', sender: p.sender, device_id: device?.deviceId ?? null, device_trust: trust?.level ?? null },
  });
  // Its device unknown yet: a later /keys/query listing the Olm key may authenticate it.
  if (taken && device?.via !== 'keys_query') {
    awaitSenderDevice(state, sessionKey(ref.roomId, ref.senderKey, ref.sessionId), ref.senderKey, { roomKeySeq: entry.seq, inputSeq: p.input_seq, sender: p.sender, claimedEd25519: p.plaintext!.keys.ed25519 });
  }
}

/** The key a request is filed under in `requests`: under the session's sender key, or under none. */
function requestKeyOf(state: MegolmState, ref: SessionRef, request: KeyRequestRecord): string {
  const exact = ref.senderKey === null ? '' : sessionKey(ref.roomId, ref.senderKey, ref.sessionId);
  return exact !== '' && hmGet(state.requests, exact) === request ? exact : sessionKey(ref.roomId, ANY_SENDER, ref.sessionId);
}
