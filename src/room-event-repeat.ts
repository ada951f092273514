/**
 * A room event decrypted again: clients call `decryptRoomEvent` on every re-render and
 * whenever a key arrives. When an earlier call logged this very event (same event ID, same
 * content) and logging it again could not change what the ledger says, the log already
 * holds everything: the answer comes from the log and the state (Megolm decryption is
 * reproducible from the logged key), and nothing is appended. Anything else is logged as
 * usual: the same event ID with other content is the replay the megolm slice must see, and
 * an undecryptable event whose key has come since is decrypted and logged.
 */
import type { LedgerEntry } from '../events/entry.js';
import type { RoomEventEnvelope } from '../events/envelope.js';
import type { MegolmDecryptedPayload, MegolmUndecryptablePayload } from '../events/facts.js';
import { MEGOLM_V1 } from '../events/megolm.js';
import { indexSighting, megolmSessionForEvent, utdCause } from '../projections/megolm/selectors.js';
import type { Decision } from '../projections/decision.js';
import { canonicalJson } from './canonical.js';
import type { Ingestor, RoomEventPlaintext } from './ingest/ingestor.js';
import type { IngestResult } from './api-types.js';
import { megolmMessageIndex } from './ingest/megolm-keys.js';
import { decodeEntryText, seqKey } from './log/entry-codec.js';
import { UNCLEAN_PREFIX } from './log/keys.js';
import type { BatchOp, Sub } from './log/store.js';
import type { LedgerState } from './runtime/projector.js';
import { UncleanFilter } from './unclean-filter.js';

/** The logged input of an earlier call for the same event, the fact ingestion derived from it, and how it went. */
export interface LoggedRoomEvent {
  inputSeq: number;
  factSeq: number;
  envelope: RoomEventEnvelope;
  /** `clean`: decrypted, nothing refused; `refused`: decrypted, refused by a rule; `undecryptable`: not decrypted. */
  outcome: 'clean' | 'refused' | 'undecryptable';
}

/** Reads logged entries by seq (undefined for a seq not in the log). */
type Reader = (seqs: readonly number[]) => Promise<readonly (LedgerEntry | undefined)[]>;

/**
 * Finds the last fact of a room event that did not decrypt cleanly, by room and event ID;
 * undefined, without a read, when the index certainly has none.
 */
type UncleanLookup = (roomId: string, eventId: string) => Promise<number | undefined> | undefined;

/** The key of a room event in the store's `unclean` index. */
function uncleanKey(roomId: string, eventId: string): string {
  return `${roomId} ${eventId}`;
}

/**
 * The index puts for a batch: each room-event fact that did not decrypt cleanly (an
 * undecryptable one, or a decrypted one the megolm slice decided on: a clean decryption
 * gets no decision) under its room and event ID. Kept beside the log, not in the projected
 * state: a log of a million undecryptable events must not make every snapshot, replay and
 * start-up carry a million records. Root-level keys with the sublevel's prefix, as decisions.
 */
export function uncleanEventPuts(entries: readonly LedgerEntry[], decisions: readonly Decision[]): BatchOp[] {
  return uncleanEvents(entries, decisions).map((e) => ({ type: 'put', key: UNCLEAN_PREFIX + e.key, value: String(e.seq) }) as BatchOp);
}

/** The index keys (unprefixed) and fact seqs of a batch's room-event facts that did not decrypt cleanly. */
function uncleanEvents(entries: readonly LedgerEntry[], decisions: readonly Decision[]): { key: string; seq: number }[] {
  let decided: Set<number> | undefined;
  const found: { key: string; seq: number }[] = [];
  for (const e of entries) {
    if (e.kind !== 'megolm_undecryptable' && e.kind !== 'megolm_decrypted') continue;
    if (e.kind === 'megolm_decrypted') {
      decided ??= new Set(decisions.filter((d) => d.parts.kind === 'event').map((d) => d.seq));
      if (!decided.has(e.seq)) continue;
    }
    const p = e.payload as MegolmDecryptedPayload | MegolmUndecryptablePayload;
    found.push({ key: uncleanKey(p.room_id, p.event_id), seq: e.seq });
  }
  return found;
}

/**
 * The earlier logging of `event` in `roomId` when the logged event is the same, key for
 * key, and logging it again could not change what the ledger says: found as the first
 * sighting of its session and index (clean), or as the last fact of an event that did not
 * decrypt cleanly (refused, or undecryptable while no key for it has come since). Else null.
 * Costs a few map lookups when there is none, and one read of two entries when there is.
 * Null without a promise when that is known at once (an event given for the first time,
 * nearly always): the caller then goes on in the same turn.
 */
export function loggedRepeat(state: LedgerState, roomId: string, event: unknown, read: Reader, unclean: UncleanLookup): Promise<LoggedRoomEvent | null> | null {
  if (event === null || typeof event !== 'object') return null;
  const e = event as { type?: unknown; event_id?: unknown; origin_server_ts?: unknown; content?: unknown };
  const content = (e.content ?? null) as { algorithm?: unknown; sender_key?: unknown; session_id?: unknown; ciphertext?: unknown } | null;
  if (e.type !== 'm.room.encrypted' || typeof e.event_id !== 'string' || content === null || typeof content !== 'object' || content.algorithm !== MEGOLM_V1) return null;
  if (typeof content.session_id !== 'string' || typeof content.ciphertext !== 'string') return null;
  const senderKey = typeof content.sender_key === 'string' ? content.sender_key : undefined;
  const index = megolmMessageIndex(content.ciphertext);
  const session = megolmSessionForEvent(state, roomId, senderKey, content.session_id);
  const sighting = session === undefined || index === null ? undefined : indexSighting(state, roomId, session.senderKey, content.session_id, index);
  const clean = sighting !== undefined && sighting.eventId === e.event_id && sighting.originServerTs === e.origin_server_ts;
  const found = clean ? sighting.seq : unclean(roomId, e.event_id);
  if (found === undefined) return null;
  const sessionId = content.session_id;
  // The rest, once the fact to look at may be there: it and its input are read.
  return (async (): Promise<LoggedRoomEvent | null> => {
    const factSeq = await found;
    if (factSeq === undefined) return null;
    // Ingestion writes an input's facts right after it.
    const [input, fact] = await read([factSeq - 1, factSeq]);
    if (input?.kind !== 'room_event' || (fact?.kind !== 'megolm_decrypted' && fact?.kind !== 'megolm_undecryptable')) return null;
    if ((fact.payload as MegolmDecryptedPayload | MegolmUndecryptablePayload).input_seq !== input.seq) return null;
    const envelope = input.payload as RoomEventEnvelope;
    if (envelope.room_id !== roomId || !sameJson(envelope.event, event)) return null;
    if (fact.kind === 'megolm_undecryptable') {
      // A key may have come since: then the event is decrypted, and logged, anew.
      if (utdCause(state, roomId, senderKey, sessionId, index).cause === 'decryptable') return null;
      return { inputSeq: input.seq, factSeq: fact.seq, envelope, outcome: 'undecryptable' };
    }
    return { inputSeq: input.seq, factSeq: fact.seq, envelope, outcome: clean ? 'clean' : 'refused' };
  })();
}

function sameJson(logged: unknown, given: unknown): boolean {
  try {
    return canonicalJson(logged) === canonicalJson(given);
  } catch {
    return false;
  }
}

/** What a repeat is answered with: what ingestion returned when the event was first logged. */
export type RepeatedResult = Pick<IngestResult, 'seq' | 'decisions' | 'plaintext'>;

/**
 * Answers repeated room events from the log for one ledger. The reads asked for in one
 * tick go to LevelDB as one `getMany` (a client re-renders a whole timeline at once).
 */
export class RoomEventRepeats {
  private pending: { keys: string[]; resolve(entries: (LedgerEntry | undefined)[]): void; reject(err: unknown): void }[] = [];
  /** Spares the index read for an event it certainly does not hold (nearly every event given for the first time). */
  private readonly filter: UncleanFilter;

  constructor(
    private readonly log: Sub,
    private readonly uncleanIndex: Sub,
    private readonly ingestor: Ingestor,
    private readonly decisionsBetween: (fromSeq: number, toSeq: number) => Promise<Decision[]>,
  ) {
    this.filter = new UncleanFilter(uncleanIndex);
  }

  /** A batch is on disk: the index keys it added go into the filter. */
  written(entries: readonly LedgerEntry[], decisions: readonly Decision[]): void {
    const added = uncleanEvents(entries, decisions);
    if (added.length > 0) this.filter.added(added.map((e) => e.key));
  }

  /** The ledger is closing: a read of the index under way stops. */
  close(): void {
    this.filter.close();
  }

  /**
   * The answer of the earlier logging of this very event, or null when it must be logged
   * (at once, without a promise, when that is known without reading the store).
   */
  answer(state: LedgerState, roomId: string, event: unknown): Promise<RepeatedResult | null> | null {
    const pending = loggedRepeat(state, roomId, event, this.read, this.unclean);
    return pending === null ? null : pending.then((logged) => (logged === null ? null : this.answerFrom(state, logged)));
  }

  private async answerFrom(state: LedgerState, logged: LoggedRoomEvent): Promise<RepeatedResult | null> {
    // Megolm decryption is reproducible from the logged key: the plaintext was never logged.
    let plaintext: RoomEventPlaintext | undefined;
    if (logged.outcome !== 'undecryptable') {
      plaintext = (await this.ingestor.derive(logged.envelope, logged.inputSeq, () => state))?.plaintext;
      if (plaintext === undefined) return null;
    }
    const decisions = logged.outcome === 'clean' ? [] : await this.decisionsBetween(logged.inputSeq, logged.factSeq);
    const result: RepeatedResult = { seq: logged.inputSeq, decisions };
    if (plaintext !== undefined) result.plaintext = plaintext;
    return result;
  }

  private lookups: { key: string; resolve(seq: number | undefined): void; reject(err: unknown): void }[] = [];

  /** Index lookups asked for in one tick go to LevelDB as one `getMany`, as entry reads do. */
  private readonly unclean: UncleanLookup = (roomId, eventId) => {
    const key = uncleanKey(roomId, eventId);
    if (this.filter.absent(key)) return undefined;
    return new Promise((resolve, reject) => {
      if (this.lookups.length === 0) setImmediate(() => this.flushLookups());
      this.lookups.push({ key, resolve, reject });
    });
  };

  private flushLookups(): void {
    const batch = this.lookups;
    this.lookups = [];
    this.uncleanIndex.getMany(batch.map((l) => l.key)).then(
      (seqs) => batch.forEach((l, i) => l.resolve(seqs[i] === undefined ? undefined : Number(seqs[i]))),
      (err: unknown) => { for (const l of batch) l.reject(err); },
    );
  }

  private readonly read: Reader = (seqs) =>
    new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ keys: seqs.map(seqKey), resolve, reject });
    });

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.log.getMany(batch.flatMap((r) => r.keys)).then(
      (texts) => {
        let at = 0;
        for (const r of batch) {
          r.resolve(texts.slice(at, at + r.keys.length).map((t) => (t === undefined ? undefined : decodeEntryText(t))));
          at += r.keys.length;
        }
      },
      (err: unknown) => { for (const r of batch) r.reject(err); },
    );
  }
}
