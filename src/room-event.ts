import type { Decision } from '../projections/decision.js';
import type { DeviceTrust } from '../projections/identities/trust.js';
import { megolmSessionForEvent, sessionProvenance, utdCause } from '../projections/megolm/selectors.js';
import type { SessionAuthenticity } from '../projections/megolm/state.js';
import type { UtdCause } from '../projections/megolm/utd.js';
import { megolmMessageIndex } from './ingest/megolm-keys.js';
import type { IngestResult } from './ledger.js';
import type { LedgerState } from './runtime/projector.js';

/** What {@link Ledger.decryptRoomEvent} found. */
export interface DecryptedRoomEvent {
  /** The seq of the logged event. */
  seq: number;
  decrypted: boolean;
  /** The decrypted event (`type`, `content`): for the caller only, never logged. */
  plaintext: { type: string; content: Record<string, unknown> } | null;
  messageIndex: number | null;
  session: { roomId: string; senderKey: string; sessionId: string; firstKnownIndex: number; source: string } | null;
  /** `authenticated` only when the key came as `m.room_key` over Olm from the device that owns it. */
  authenticity: SessionAuthenticity | null;
  /** The device that owns the session's sender key, when known. */
  senderDevice: { userId: string; deviceId: string } | null;
  senderTrust: DeviceTrust | null;
  /** `unauthenticated_session`, `unknown_device`, `unverified_device`: what the client should show beside the message. */
  provenanceWarnings: readonly string[];
  /** Why it could not be decrypted (no session, index below the first known, withheld, rejected…), or null. */
  utd: UtdCause | null;
  /** Decisions on this event that were not acceptances (replays, sender mismatches, why it failed). */
  warnings: Decision[];
}

/**
 * The room and event of a `decryptRoomEvent` call, in any of its forms: `(roomId, event,
 * options?)`, `(event naming its room_id, options?)` or `(room_event envelope, options?)`.
 */
export function roomEventArguments(first: string | object, second?: unknown, third?: { receivedAt?: number }): { roomId: string; event: unknown; receivedAt?: number } {
  if (typeof first === 'string') return { roomId: first, event: second, ...(third?.receivedAt !== undefined ? { receivedAt: third.receivedAt } : {}) };
  const given = first as { kind?: unknown; room_id?: unknown; event?: unknown; received_at?: unknown };
  const isEnvelope = given.kind === 'room_event' && typeof given.event === 'object';
  const event = isEnvelope ? given.event : given;
  const roomId = typeof given.room_id === 'string' ? given.room_id : String((event as { room_id?: unknown })?.room_id ?? '');
  const options = second as { receivedAt?: number } | undefined;
  const receivedAt = options?.receivedAt ?? (isEnvelope && typeof given.received_at === 'number' ? given.received_at : undefined);
  return { roomId, event, ...(receivedAt !== undefined ? { receivedAt } : {}) };
}

/** What a client gets back for a room event, read from the state right after it was logged. */
export function describeRoomEvent(state: LedgerState, roomId: string, event: unknown, result: IngestResult): DecryptedRoomEvent {
  const content = ((event as { content?: unknown })?.content ?? {}) as { sender_key?: string; session_id?: string; ciphertext?: unknown };
  const sessionId = typeof content.session_id === 'string' ? content.session_id : '';
  const session = megolmSessionForEvent(state, roomId, content.sender_key, sessionId);
  const provenance = session ? sessionProvenance(state, roomId, session.senderKey, sessionId) : undefined;
  const messageIndex = result.plaintext?.messageIndex ?? (typeof content.ciphertext === 'string' ? megolmMessageIndex(content.ciphertext) : null);
  return {
    seq: result.seq,
    decrypted: result.plaintext !== undefined,
    plaintext: result.plaintext ? { type: result.plaintext.type, content: result.plaintext.content } : null,
    messageIndex,
    session: session ? { roomId, senderKey: session.senderKey, sessionId: session.sessionId, firstKnownIndex: session.firstKnownIndex, source: session.source.type } : null,
    authenticity: session ? session.authenticity : null,
    senderDevice: provenance?.senderDevice ?? null,
    senderTrust: provenance?.senderTrust ?? null,
    provenanceWarnings: provenance?.warnings ?? [],
    utd: result.plaintext === undefined ? utdCause(state, roomId, content.sender_key, sessionId, messageIndex) : null,
    warnings: result.decisions.filter((d) => d.outcome !== 'accepted'),
  };
}
