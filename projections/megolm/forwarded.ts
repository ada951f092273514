/**
 * May we accept this forward? The rules an `m.forwarded_room_key` must pass before the
 * store's update rules see it, and which of them names the refusal when several are broken
 * (modelled on matrix-sdk-crypto's `should_accept_forward`, which asks the same of the
 * forwarder: a verified device of our own user, found by its Curve25519 key).
 */
import type { RoomKeyFacts } from '../../events/facts.js';
import { hmGet } from '../hashmap.js';
import { deviceTrust, isOwnVerifiedDevice, ownDevice } from '../identities/selectors.js';
import type { OlmVerdict } from '../olm/state.js';
import type { ReduceContext } from '../slice.js';
import { ANY_SENDER, sessionKey, type KeyRequestRecord, type MegolmState } from './state.js';

/** Who forwarded the key, judged by the Olm channel's Curve25519 key (never a claimed device ID). */
export interface Forwarder {
  readonly standing: 'own_verified' | 'own_unverified' | 'other_user';
  /** The entries the standing rests on (the device's listing and its trust). */
  readonly because: readonly number[];
}

/** What a forward is, as far as the rules below care. */
export interface ForwardFacts {
  /** The olm slice's verdict on the payload it came in. */
  readonly payloadOk: boolean;
  readonly forwarder: Forwarder['standing'];
  /** Our request for the session: still open, already fulfilled once, or never made. */
  readonly request: 'open' | 'fulfilled' | 'none';
  /**
   * Whether the forwarder's Olm Curve25519 key is one of the devices the request was sent
   * to (always true for a request the client sent itself, whose devices we do not know).
   */
  readonly askedForwarder: boolean;
  /** The key itself: imported by olm and the ID it claims, or why not. */
  readonly key: 'ok' | 'not_imported' | 'session_id_mismatch';
}

/** The codes a forward can be refused with before it reaches the store, in precedence order. */
export const FORWARD_REFUSALS = [
  'room_key.invalid_payload',
  'forwarded_key.other_user',
  'forwarded_key.untrusted_sender',
  'forwarded_key.unrequested',
  'forwarded_key.unasked_device',
  'room_key.not_imported',
  'room_key.session_id_mismatch',
] as const;

export type ForwardRefusal = (typeof FORWARD_REFUSALS)[number];

/**
 * The one rule that refuses this forward, the most specific first, or null when the store
 * may judge it (a new session is taken; a stored one is updated only by its own rules:
 * `session_update.not_lower_index`, `session_update.unconnected`). The order:
 *
 * 1. `room_key.invalid_payload`: the olm slice discarded the payload, so nothing in it,
 *    not even who sent it, can be relied on;
 * 2. `forwarded_key.other_user`, then 3. `forwarded_key.untrusted_sender`: who may forward
 *    at all is judged before anything the forward carries, so an attack is reported as the
 *    attack it is whether or not we hold the session, asked for it, or the key is any good;
 * 4. `forwarded_key.unrequested`: even a trusted device only answers our requests;
 * 5. `forwarded_key.unasked_device`: and only the devices we sent the request to answer it
 *    (matched by the Olm sender's Curve25519 key);
 * 6. `room_key.not_imported`, then 7. `room_key.session_id_mismatch`: only now is the key
 *    itself looked at.
 *
 * Whether we already hold the session never changes the code: the store's rules come last.
 */
export function mayAcceptForward(f: ForwardFacts): ForwardRefusal | null {
  if (!f.payloadOk) return 'room_key.invalid_payload';
  if (f.forwarder === 'other_user') return 'forwarded_key.other_user';
  if (f.forwarder === 'own_unverified') return 'forwarded_key.untrusted_sender';
  if (f.request !== 'open') return 'forwarded_key.unrequested';
  if (!f.askedForwarder) return 'forwarded_key.unasked_device';
  if (f.key === 'not_imported') return 'room_key.not_imported';
  if (f.key === 'session_id_mismatch') return 'room_key.session_id_mismatch';
  return null;
}

/** The forwarder's standing: a verified device of our own user, an unverified one, or another user's. */
export function forwarderOf(ctx: ReduceContext, sender: string, verdict: OlmVerdict | undefined): Forwarder {
  const me = ownDevice(ctx.root);
  const device = verdict?.device ?? null;
  if (me === null || sender !== me.userId) return { standing: 'other_user', because: [] };
  if (device === null || device.via !== 'keys_query' || !isOwnVerifiedDevice(ctx.root, device.userId, device.deviceId)) {
    return { standing: 'own_unverified', because: device?.via === 'keys_query' ? [device.seq] : [] };
  }
  return { standing: 'own_verified', because: [device.seq, deviceTrust(ctx.root, device.userId, device.deviceId).seq] };
}

/**
 * Our request for this session: the one naming its sender key, else one made without a
 * sender key (for the session ID in that room); an open one before a fulfilled one.
 */
export function requestFor(state: MegolmState, roomId: string, senderKey: string | null, sessionId: string): KeyRequestRecord | undefined {
  const exact = senderKey === null ? undefined : hmGet(state.requests, sessionKey(roomId, senderKey, sessionId));
  if (exact !== undefined && exact.fulfilledSeq === null) return exact;
  return hmGet(state.requests, sessionKey(roomId, ANY_SENDER, sessionId)) ?? exact;
}

/** What olm made of the key: imported under the ID it claims, or not. */
export function keyStanding(keyFacts: RoomKeyFacts | null, senderKey: string | null, claimedId: string): ForwardFacts['key'] {
  if (senderKey === null || keyFacts === null || keyFacts.session_id === null || keyFacts.first_known_index === null || keyFacts.commitment === null) {
    return 'not_imported';
  }
  return keyFacts.session_id === claimedId ? 'ok' : 'session_id_mismatch';
}

/** True when the request was sent to the device with this Olm Curve25519 key, or to devices we do not know (a client-sent request). */
export function askedDevice(request: KeyRequestRecord | undefined, olmSenderKey: string): boolean {
  return request?.asked == null || request.asked.some((d) => d.curve25519 === olmSenderKey);
}
