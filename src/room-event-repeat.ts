/**
 * A room event decrypted again: clients call `decryptRoomEvent` on every re-render and
 * whenever a key arrives. When an earlier call logged this very event (same event ID, same
 * content) and it decrypted cleanly, the log already holds everything it says: the answer
 * comes from the log and the state (Megolm decryption is reproducible from the logged key),
 * and nothing is appended. Anything else is logged as usual: the same event ID with other
 * content is the replay the megolm slice must see.
 */
import type { LedgerEntry } from '../events/entry.js';
import type { RoomEventEnvelope } from '../events/envelope.js';
import type { MegolmDecryptedPayload } from '../events/facts.js';
import { MEGOLM_V1 } from '../events/megolm.js';
import { indexSighting, megolmSessionForEvent } from '../projections/megolm/selectors.js';
import { canonicalJson } from './canonical.js';
import { megolmMessageIndex } from './ingest/megolm-keys.js';
import type { LedgerState } from './runtime/projector.js';

/** The logged input of an earlier call for the same event, and the fact that decrypted it. */
export interface LoggedRoomEvent {
  inputSeq: number;
  factSeq: number;
  envelope: RoomEventEnvelope;
}

type Reader = (from: number, to: number) => AsyncIterable<readonly LedgerEntry[]>;

/**
 * The earlier logging of `event` in `roomId`, when it is the first (clean) sighting of its
 * session and message index and the logged event is the same, key for key; else null.
 * Costs two map lookups when there is none, and one read of two entries when there is.
 */
export async function loggedRepeat(state: LedgerState, roomId: string, event: unknown, read: Reader): Promise<LoggedRoomEvent | null> {
  if (event === null || typeof event !== 'object') return null;
  const e = event as { type?: unknown; event_id?: unknown; origin_server_ts?: unknown; content?: unknown };
  const content = (e.content ?? null) as { algorithm?: unknown; sender_key?: unknown; session_id?: unknown; ciphertext?: unknown } | null;
  if (e.type !== 'm.room.encrypted' || content === null || typeof content !== 'object' || content.algorithm !== MEGOLM_V1) return null;
  if (typeof content.session_id !== 'string' || typeof content.ciphertext !== 'string') return null;
  const senderKey = typeof content.sender_key === 'string' ? content.sender_key : undefined;
  const session = megolmSessionForEvent(state, roomId, senderKey, content.session_id);
  if (session === undefined) return null;
  const index = megolmMessageIndex(content.ciphertext);
  if (index === null) return null;
  const sighting = indexSighting(state, roomId, session.senderKey, content.session_id, index);
  if (sighting === undefined || sighting.eventId !== e.event_id || sighting.originServerTs !== e.origin_server_ts) return null;
  // Ingestion writes an input's facts right after it.
  const logged: LedgerEntry[] = [];
  for await (const chunk of read(sighting.seq - 1, sighting.seq)) logged.push(...chunk);
  const [input, fact] = logged;
  if (input?.kind !== 'room_event' || fact?.kind !== 'megolm_decrypted' || (fact.payload as MegolmDecryptedPayload).input_seq !== input.seq) return null;
  const envelope = input.payload as RoomEventEnvelope;
  if (envelope.room_id !== roomId || !sameJson(envelope.event, event)) return null;
  return { inputSeq: input.seq, factSeq: fact.seq, envelope };
}

function sameJson(logged: unknown, given: unknown): boolean {
  try {
    return canonicalJson(logged) === canonicalJson(given);
  } catch {
    return false;
  }
}
