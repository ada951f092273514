import { emptyHashedMap, hmPeek, hmSet, type HashedMap } from '../hashmap.js';

/** Where a session's key came from. */
export type SessionSourceType = 'room_key' | 'forwarded' | 'backup' | 'import' | 'own';

/**
 * How far a session's messages can be trusted to come from its sender device:
 * `authenticated` — arrived as `m.room_key` over Olm from the device that owns the sender
 * key, whose keys we know; `unauthenticated` — anything else (forwarded, backed up, imported,
 * or from a device we do not know). A lower-index update of the same ratchet keeps the
 * stored value (the ratchet cannot be run backwards, so only the session's creator can
 * have made the earlier key) and raises it only when it is itself an authenticated
 * `m.room_key`.
 */
export type SessionAuthenticity = 'authenticated' | 'unauthenticated';

/** An accepted Megolm session, keyed by (room_id, sender_key, session_id). */
export interface SessionRecord {
  roomId: string;
  senderKey: string;
  sessionId: string;
  firstKnownIndex: number;
  /** SHA-256 of the key exported at `firstKnownIndex` (see RoomKeyFacts.commitment). */
  commitment: string;
  /** The fact entry (`olm_decrypted`, later backup/import facts) whose sealed key is the current key. */
  keySeq: number;
  source: {
    type: SessionSourceType;
    /** The device it came from (the Olm sender for room_key/forwarded), when known. */
    userId: string | null;
    deviceId: string | null;
    /** The Curve25519 key of the Olm channel it came over. */
    viaCurveKey: string | null;
    seq: number;
  };
  authenticity: SessionAuthenticity;
  /** The ed25519 key the sender claimed for the session's owner (`keys.ed25519`, or `sender_claimed_ed25519_key`). */
  claimedEd25519: string | null;
  /** Every accepted or rejected update, oldest first: the session's timeline (see `historyDropped`). */
  history: { seq: number; outcome: 'accepted' | 'rejected'; code: string; firstKnownIndex: number | null }[];
  /**
   * Entries dropped from the middle of `history` (the first one and the last
   * `MAX_HISTORY - 1` are kept): anyone with an Olm channel can send rejected updates, and
   * the record must not grow without bound. The log and the decisions keep every one.
   */
  historyDropped: number;
  /**
   * The user whose validated Olm payload delivered the session as `m.room_key`, kept when a
   * lower-index update replaces the key; null for a session that only came forwarded.
   * Room events of the session must come from the owner of its sender key.
   */
  ownerUserId: string | null;
  /** For a forwarded key: `forwarding_curve25519_key_chain` as received (the forwarder itself is `source.viaCurveKey`). */
  forwardingChain: string[] | null;
}

/**
 * The last refusal of a key for (room, sender key, session ID), whether or not a session
 * is stored. Only keys that name a sender key are noted: a key that names none (a
 * plaintext `m.room_key`) cannot be the key of any event, so it explains none.
 */
export interface SessionRejection {
  seq: number;
  code: string;
  /** The sender key the refused key was for (the Olm key for `m.room_key`; as claimed for a forwarded or plaintext key). */
  senderKey: string;
}

/** An `m.room_key.withheld` notice. */
export interface WithheldNotice {
  seq: number;
  code: string;
  reason: string | null;
  /** The session's sender key, as the notice names it. */
  senderKey: string;
  /** The user who sent the notice (the server's word unless `overOlm`). */
  sender: string;
  overOlm: boolean;
}

/** An outgoing key request (`request_room_key`), open until a forwarded key for it is accepted. */
export interface KeyRequestRecord {
  requestId: string | null;
  seq: number;
  fulfilledSeq: number | null;
  /**
   * The devices the ledger sent it to (`send_room_key_request`): a forward is taken only
   * over the Olm channel of one of them. Null for a `request_room_key` the client sent
   * itself (older logs): any verified device of our own user may answer it.
   */
  asked: { deviceId: string; curve25519: string }[] | null;
  /** The `gossip_sent` fact of its `request_cancellation`, once sent. */
  cancelledSeq: number | null;
}

/** The first room event seen at a (session, message index). */
export interface IndexSighting {
  eventId: string;
  originServerTs: number;
  /** The fact that decrypted it. */
  seq: number;
}

/**
 * Message indices of one session kept together in `sightings`. Room events come mostly in
 * index order, so the events of a fold land in one or two chunks: one path of the hashed
 * map is copied for them, where one per event was (the largest cost of folding a room
 * event). A chunk is copied whole when it changes: 64 slots is a few hundred bytes.
 */
export const SIGHTING_CHUNK = 64;

/** The key in `sightings` of the chunk that holds a session's message index. */
const chunkKey = (session: string, messageIndex: number) => `${session} ${Math.floor(messageIndex / SIGHTING_CHUNK)}`;

/** The first event decrypted at (session, message index), if any. */
export function sightingAt(sightings: HashedMap<(IndexSighting | null)[]>, session: string, messageIndex: number): IndexSighting | undefined {
  return hmPeek(sightings, chunkKey(session, messageIndex))?.[messageIndex % SIGHTING_CHUNK] ?? undefined;
}

/**
 * Records the first event decrypted at (session, message index). The chunk is replaced by a
 * copy (never changed in place), with null in the slots before `messageIndex` that it did
 * not reach yet, so a chunk reads the same, as JSON, however its indices came in.
 */
export function addSighting(sightings: HashedMap<(IndexSighting | null)[]>, session: string, messageIndex: number, sighting: IndexSighting): void {
  const key = chunkKey(session, messageIndex);
  const slot = messageIndex % SIGHTING_CHUNK;
  const chunk = hmPeek(sightings, key);
  const next = chunk === undefined ? [] : chunk.slice();
  while (next.length < slot) next.push(null);
  next[slot] = sighting;
  // Frozen: immer then takes the new chunk as it is when the fold ends, instead of walking
  // its slots for drafts (there are none: a chunk is only ever replaced).
  hmSet(sightings, key, Object.freeze(next) as (IndexSighting | null)[]);
}

/**
 * A session whose `m.room_key` came over Olm from a Curve25519 key no `/keys/query` had
 * listed yet: judged when a listing of that key arrives (`awaitingDevice`).
 */
export interface AwaitedDevice {
  /** `sessionKey()` of the session. */
  session: string;
  /** The `olm_decrypted` fact that delivered its `m.room_key`. */
  roomKeySeq: number;
  /** The `to_device` input of that fact. */
  inputSeq: number;
  /** The sender of the validated Olm payload, and the Ed25519 key it claimed (`keys.ed25519`). */
  sender: string;
  claimedEd25519: string;
}

/** The megolm slice's state (the reducer may add fields; these are the ingestion contract). */
export interface MegolmState {
  /** Key: `${roomId} ${senderKey} ${sessionId}`. */
  sessions: HashedMap<SessionRecord>;
  /** Key: `${roomId} ${sessionId}` → sender keys with an accepted session (events may omit sender_key). */
  bySessionId: HashedMap<string[]>;
  /** Key: `sessionKey()` → the last refused key for that session. */
  rejections: HashedMap<SessionRejection>;
  /**
   * Key: `${roomId} ${sessionId}` → the sender keys with a noted refusal, most recent last
   * (at most `MAX_REJECTED_SENDER_KEYS`), for events that name no sender key.
   */
  rejectedSenderKeys: HashedMap<string[]>;
  /** Key: `${roomId} ${sessionId}` → the last withheld notice for it. */
  withheld: HashedMap<WithheldNotice>;
  /** Key: sender key → the last `m.no_olm` notice (it covers every session of that key). */
  noOlm: HashedMap<WithheldNotice>;
  /** Key: `sessionKey()` → our request for that session. */
  requests: HashedMap<KeyRequestRecord>;
  /**
   * Key: the request ID of a request the ledger sent whose key was accepted → its
   * `sessionKey()`, until the `request_cancellation` to the other devices is sent.
   */
  cancellationsDue: HashedMap<string>;
  /**
   * The first event decrypted at each message index (kept outside the session record so it
   * does not grow), in chunks of {@link SIGHTING_CHUNK} consecutive indices of one session:
   * key `${sessionKey()} ${chunk}` → the chunk, slot `index % SIGHTING_CHUNK` (null where
   * nothing was decrypted yet). Read and add through {@link sightingAt} and {@link addSighting}.
   */
  sightings: HashedMap<(IndexSighting | null)[]>;
  /** Key: a sender's Curve25519 key no /keys/query has listed → the sessions it delivered, until one does. */
  awaitingDevice: HashedMap<AwaitedDevice[]>;
}

export function initialMegolm(): MegolmState {
  return {
    sessions: emptyHashedMap(),
    bySessionId: emptyHashedMap(),
    rejections: emptyHashedMap(),
    rejectedSenderKeys: emptyHashedMap(),
    withheld: emptyHashedMap(),
    noOlm: emptyHashedMap(),
    requests: emptyHashedMap(),
    cancellationsDue: emptyHashedMap(),
    sightings: emptyHashedMap(),
    awaitingDevice: emptyHashedMap(),
  };
}

/** How many sender keys with a refused key are remembered per (room, session ID): anyone can send plaintext keys. */
export const MAX_REJECTED_SENDER_KEYS = 8;

/** The key of (room, session ID) in `bySessionId`, `rejectedSenderKeys` and `withheld`. */
export function roomSessionKey(roomId: string, sessionId: string): string {
  return `${roomId} ${sessionId}`;
}

/** The sender key a request without one is filed under: it covers every sender key. */
export const ANY_SENDER = '*';

/** The key of a session in `sessions`. */
export function sessionKey(roomId: string, senderKey: string, sessionId: string): string {
  return `${roomId} ${senderKey} ${sessionId}`;
}
