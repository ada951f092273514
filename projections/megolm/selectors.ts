/**
 * What ingestion, the engine and the CLI may ask the `megolm` slice. Pure lookups on the
 * ledger state.
 */
import { hmEntries, hmPeek } from '../hashmap.js';
import { deviceByCurveKey, deviceTrust } from '../identities/selectors.js';
import type { DeviceRef } from '../identities/state.js';
import type { DeviceTrust } from '../identities/trust.js';
import {
  roomSessionKey, sessionKey, sightingAt, type IndexSighting, type KeyRequestRecord, type MegolmState, type SessionRecord, type SessionRejection, type WithheldNotice,
  ANY_SENDER,
} from './state.js';
import { rejectionFor, sessionForEvent, utdCauseOf, type UtdCause } from './utd.js';

type Root = Readonly<Record<string, unknown>>;

const megolm = (root: Root) => root['megolm'] as MegolmState | undefined;

/** The accepted session for (room, sender key, session ID), if any. */
export function megolmSession(root: Root, roomId: string, senderKey: string, sessionId: string): SessionRecord | undefined {
  const state = megolm(root);
  return state === undefined ? undefined : hmPeek(state.sessions, sessionKey(roomId, senderKey, sessionId));
}

/**
 * The session a room event names: by its sender key when the event gives one (deprecated
 * in the spec), else the only accepted session with that ID in the room (several sender
 * keys with one session ID cannot be told apart, so none is chosen).
 */
export function megolmSessionForEvent(root: Root, roomId: string, senderKey: string | undefined, sessionId: string): SessionRecord | undefined {
  const state = megolm(root);
  return state === undefined ? undefined : sessionForEvent(state, roomId, senderKey, sessionId);
}

/**
 * Why a room event of (room, sender key?, session, message index?) cannot be decrypted:
 * `no_session`, `unknown_index`, `withheld` (with its code), `session_rejected` (with the
 * refusing decision's code and seq), or `decryptable` — with the entry the answer rests on.
 */
export function utdCause(root: Root, roomId: string, senderKey: string | undefined, sessionId: string, messageIndex: number | null): UtdCause {
  const state = megolm(root);
  if (state === undefined) return { cause: 'no_session', detail: {}, seq: -1 };
  return utdCauseOf(state, roomId, senderKey, sessionId, messageIndex);
}

/** Where a decrypted room event's session came from and how far its sender device is trusted now. */
export interface SessionProvenance {
  readonly session: SessionRecord;
  /** The device that owns the session's sender key (per /keys/query), if known. */
  readonly senderDevice: DeviceRef | null;
  readonly senderTrust: DeviceTrust | null;
  /** `unauthenticated_session`, `unknown_device`, `unverified_device` (its trust level is below cross-signed). */
  readonly warnings: readonly string[];
}

/** Provenance of the session (room, sender key, session ID), for `decryptRoomEvent`; undefined when none is stored. */
export function sessionProvenance(root: Root, roomId: string, senderKey: string, sessionId: string): SessionProvenance | undefined {
  const session = megolmSession(root, roomId, senderKey, sessionId);
  if (session === undefined) return undefined;
  const device = deviceByCurveKey(root, senderKey) ?? null;
  const trust = device === null ? null : deviceTrust(root, device.userId, device.deviceId);
  const warnings: string[] = [];
  if (session.authenticity !== 'authenticated') warnings.push('unauthenticated_session');
  if (device === null) warnings.push('unknown_device');
  else if (trust!.level !== 'verified' && trust!.level !== 'cross_signed_tofu') warnings.push('unverified_device');
  return { session, senderDevice: device, senderTrust: trust, warnings };
}

/** Our request for a session (`request_room_key`, with this sender key or none), open while `fulfilledSeq` is null. */
export function keyRequest(root: Root, roomId: string, senderKey: string, sessionId: string): KeyRequestRecord | undefined {
  const state = megolm(root);
  if (state === undefined) return undefined;
  return hmPeek(state.requests, sessionKey(roomId, senderKey, sessionId)) ?? hmPeek(state.requests, sessionKey(roomId, ANY_SENDER, sessionId));
}

/** The last withheld notice for (room, session ID). */
export function withheldNotice(root: Root, roomId: string, sessionId: string): WithheldNotice | undefined {
  const state = megolm(root);
  return state === undefined ? undefined : hmPeek(state.withheld, roomSessionKey(roomId, sessionId));
}

/**
 * The last refused key for (room, sender key, session ID), whether or not a session is
 * stored; without a sender key, the latest for that session ID under any sender key.
 */
export function sessionRejection(root: Root, roomId: string, sessionId: string, senderKey?: string): SessionRejection | undefined {
  const state = megolm(root);
  return state === undefined ? undefined : rejectionFor(state, roomId, senderKey, sessionId);
}

/** The first event decrypted at (session, message index). */
export function indexSighting(root: Root, roomId: string, senderKey: string, sessionId: string, messageIndex: number): IndexSighting | undefined {
  const state = megolm(root);
  return state === undefined ? undefined : sightingAt(state.sightings, sessionKey(roomId, senderKey, sessionId), messageIndex);
}

/** Requests the ledger sent whose key was accepted and whose cancellation is not sent yet. */
export function keyRequestCancellationsDue(root: Root): { requestId: string; request: KeyRequestRecord; session: SessionRecord | undefined }[] {
  const state = megolm(root);
  if (state === undefined) return [];
  const out: { requestId: string; request: KeyRequestRecord; session: SessionRecord | undefined }[] = [];
  for (const [requestId, key] of hmEntries(state.cancellationsDue)) {
    const request = hmPeek(state.requests, key);
    if (request !== undefined) out.push({ requestId, request, session: request.fulfilledSeq === null ? undefined : sessionAnswering(state, key) });
  }
  return out;
}

/** The session a request's key is stored as (a request without sender key: the first with that ID in the room). */
function sessionAnswering(state: MegolmState, requestKey: string): SessionRecord | undefined {
  const [roomId, senderKey, sessionId] = requestKey.split(' ') as [string, string, string];
  if (senderKey !== ANY_SENDER) return hmPeek(state.sessions, requestKey);
  const senders = hmPeek(state.bySessionId, roomSessionKey(roomId, sessionId)) ?? [];
  return senders.length === 0 ? undefined : hmPeek(state.sessions, sessionKey(roomId, senders[0]!, sessionId));
}

/**
 * Whether the megolm rules accepted this decrypted event (read after the megolm slice
 * folded its fact): the session is accepted, its sender key is the sender's, the plaintext
 * names this room, and the message index was first seen with this very event.
 */
export function decryptedEventAccepted(
  root: Root,
  p: { room_id: string; sender_key: string; session_id: string; message_index: number; event_id: string; origin_server_ts: number; sender: string; plaintext_room_id: string | null },
): boolean {
  const session = megolmSession(root, p.room_id, p.sender_key, p.session_id);
  if (session === undefined || p.plaintext_room_id !== p.room_id) return false;
  const owner = deviceByCurveKey(root, p.sender_key)?.userId ?? session.ownerUserId;
  if (owner !== null && owner !== p.sender) return false;
  const first = indexSighting(root, p.room_id, p.sender_key, p.session_id, p.message_index);
  return first !== undefined && first.eventId === p.event_id && first.originServerTs === p.origin_server_ts;
}
