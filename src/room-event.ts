import type { Decision } from '../projections/decision.js';
import type { DeviceTrust } from '../projections/identities/trust.js';
import { megolmSessionForEvent, sessionProvenance, utdCause, type SessionProvenance } from '../projections/megolm/selectors.js';
import type { SessionAuthenticity } from '../projections/megolm/state.js';
import type { UtdCause, UtdCauseName } from '../projections/megolm/utd.js';
import type { RoomEventPlaintext } from './ingest/ingestor.js';
import { megolmMessageIndex } from './ingest/megolm-keys.js';
import type { IngestResult } from './api-types.js';
import type { LedgerState } from './runtime/projector.js';
import { shieldOf, type Shield } from './shield.js';
import { trustShortfall, type TrustRequirement } from './trust-requirement.js';

/** Options of {@link Ledger.decryptRoomEvent}. */
export interface DecryptRoomEventOptions {
  /** Stamps the logged entry (default: now), as `received_at` does in an envelope. */
  receivedAt?: number;
  /** Overrides the ledger's `trustRequirement` for this call. */
  trustRequirement?: TrustRequirement;
  /**
   * Hands out the plaintext of an event the rules refused or the trust requirement
   * withholds (a sender that does not own the session, a replayed index, another room),
   * for forensic display only: `utd` still names why it would be withheld, and `shield`
   * still warns. Off by default.
   */
  forensic?: boolean;
}

/** What {@link Ledger.decryptRoomEvent} found. */
export interface DecryptedRoomEvent {
  /** The seq of the logged event (of the first call, for a repeat answered from the log). */
  seq: number;
  /** True when the ciphertext decrypted, whether or not the plaintext is handed out. */
  decrypted: boolean;
  /** The decrypted event, or null when it did not decrypt or is withheld (`utd` says why). */
  plaintext: RoomEventPlaintext | null;
  messageIndex: number | null;
  session: { roomId: string; senderKey: string; sessionId: string; firstKnownIndex: number; source: string } | null;
  /** `authenticated` only when the key came as `m.room_key` over Olm from the device that owns it. */
  authenticity: SessionAuthenticity | null;
  /** The device that owns the session's sender key, when known. */
  senderDevice: { userId: string; deviceId: string } | null;
  senderTrust: DeviceTrust | null;
  /** `unauthenticated_session`, `unknown_device`, `unverified_device`: what the client should show beside the message. */
  provenanceWarnings: readonly string[];
  /**
   * Why there is no plaintext: it could not be decrypted (no session, index below the first
   * known, withheld by the sender, rejected…), or it decrypted and is withheld
   * (`sender_mismatch`, `replayed_index`, `room_mismatch`, `below_trust_requirement`).
   * Null when the plaintext is given; set beside it only under `forensic`.
   */
  utd: UtdCause | null;
  /** What a UI shows beside the message (see the README's shield table). */
  shield: Shield;
  /** Decisions on this event that were not acceptances (replays, sender mismatches, why it failed). */
  warnings: Decision[];
  /** True when an earlier call logged this very event (same ID, same content): answered from the log, nothing appended. */
  repeated: boolean;
}

/** The decision codes that withhold a decrypted event's plaintext, and the UTD cause each gives. */
const WITHHOLDING: readonly [string, UtdCauseName][] = [
  ['megolm.sender_mismatch', 'sender_mismatch'],
  ['megolm.room_mismatch', 'room_mismatch'],
  ['megolm.replayed_index', 'replayed_index'],
];

/**
 * The room and event of a `decryptRoomEvent` call, in any of its forms: `(roomId, event,
 * options?)`, `(event naming its room_id, options?)` or `(room_event envelope, options?)`.
 */
export function roomEventArguments(first: string | object, second?: unknown, third?: DecryptRoomEventOptions): { roomId: string; event: unknown; receivedAt?: number; options: DecryptRoomEventOptions } {
  if (typeof first === 'string') {
    const options = third ?? {};
    return { roomId: first, event: second, receivedAt: options.receivedAt, options };
  }
  const given = first as { kind?: unknown; room_id?: unknown; event?: unknown; received_at?: unknown };
  const isEnvelope = given.kind === 'room_event' && typeof given.event === 'object';
  const event = isEnvelope ? given.event : given;
  const roomId = typeof given.room_id === 'string' ? given.room_id : String((event as { room_id?: unknown })?.room_id ?? '');
  const options = (second ?? {}) as DecryptRoomEventOptions;
  const receivedAt = options.receivedAt ?? (isEnvelope && typeof given.received_at === 'number' ? given.received_at : undefined);
  return { roomId, event, receivedAt, options };
}

/** How a room event is answered: what ingestion returned for it (or for its first logging), and the caller's choices. */
export interface RoomEventAnswer {
  result: Pick<IngestResult, 'seq' | 'decisions' | 'plaintext'>;
  trustRequirement: TrustRequirement;
  forensic: boolean;
  repeated: boolean;
}

/** What a client gets back for a room event, read from the state right after it was logged. */
export function describeRoomEvent(state: LedgerState, roomId: string, event: unknown, answer: RoomEventAnswer): DecryptedRoomEvent {
  const { result } = answer;
  const content = ((event as { content?: unknown })?.content ?? {}) as { sender_key?: string; session_id?: string; ciphertext?: unknown };
  const sessionId = typeof content.session_id === 'string' ? content.session_id : '';
  const session = megolmSessionForEvent(state, roomId, content.sender_key, sessionId);
  const provenance = session ? sessionProvenance(state, roomId, session.senderKey, sessionId) : undefined;
  const messageIndex = typeof content.ciphertext === 'string' ? megolmMessageIndex(content.ciphertext) : null;
  const warnings = result.decisions.filter((d) => d.outcome !== 'accepted');
  const decrypted = result.plaintext !== undefined;
  const utd = decrypted ? withheldBecause(state, warnings, answer.trustRequirement, provenance) : utdCause(state, roomId, content.sender_key, sessionId, messageIndex);
  return {
    seq: result.seq,
    decrypted,
    plaintext: decrypted && (utd === null || answer.forensic) ? result.plaintext! : null,
    messageIndex,
    session: session ? { roomId, senderKey: session.senderKey, sessionId: session.sessionId, firstKnownIndex: session.firstKnownIndex, source: session.source.type } : null,
    authenticity: session ? session.authenticity : null,
    senderDevice: provenance?.senderDevice ?? null,
    senderTrust: provenance?.senderTrust ?? null,
    provenanceWarnings: provenance?.warnings ?? [],
    utd,
    shield: shieldOf(state, warnings.map((d) => d.code), decrypted ? provenance : undefined),
    warnings,
    repeated: answer.repeated,
  };
}

/** Why a decrypted event's plaintext is withheld, or null: a refusal of the rules first, then the trust requirement. */
function withheldBecause(state: LedgerState, warnings: readonly Decision[], requirement: TrustRequirement, provenance: SessionProvenance | undefined): UtdCause | null {
  for (const [code, cause] of WITHHOLDING) {
    const d = warnings.find((w) => w.code === code);
    if (d !== undefined) return { cause, detail: { code, ...(d.detail ?? {}) }, seq: d.seq };
  }
  if (provenance === undefined) return null;
  const short = trustShortfall(state, requirement, provenance);
  return short === null ? null : { cause: 'below_trust_requirement', detail: { requirement, reason: short.reason }, seq: short.seq };
}
