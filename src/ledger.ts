import type { Observable } from 'rxjs';
import type { Envelope } from '../events/envelope.js';
import type { LedgerEntry } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import type { OwnAccount, KeysUploadBody, SignedDeviceKeys } from './crypto/account.js';
import type { LedgerParts } from './ledger-parts.js';
import type { EntryRange, IngestOutcome, IngestResult, LedgerOptions, ReplayOptions, RoomKeySettings } from './api-types.js';
import type { DecisionFilter } from './log/decisions.js';
import { LedgerClosedError, LedgerDamagedError, LedgerReadOnlyError, RoomKeyNotSharedError, VaultKeyError } from './errors.js';
import { BatchWriter } from './ingest/batch-writer.js';
import { DEFAULT_MAX_INPUT_BYTES, serialiseInput } from './ingest/input-text.js';
import { copyStore } from './log/copy.js';
import { LogReader } from './log/reader.js';
import type { LedgerStore } from './log/store.js';
import { revealSecrets } from './reveal.js';
import { describeRoomEvent, roomEventArguments, type DecryptedRoomEvent, type DecryptRoomEventOptions } from './room-event.js';
import { RoomEventRepeats } from './room-event-repeat.js';
import { LedgerStreams } from './streams.js';
import { stateHash, type LedgerState, type SliceVersions } from './runtime/projector.js';
import { verifyLedger, type VerifyOptions, type VerifyReport } from './log/verify.js';
import { RequestMaker } from './outbound/requests.js';
import { requestMadeBy, requestOf, requestsMadeBy, responseEnvelope, toOutgoingRequest, type OutgoingRequest } from './outbound/outgoing.js';
import type { MegolmEncryptedEventContent } from './outbound/room-keys.js';
import { toDeviceResults, type ToDeviceResult } from './outbound/sync-results.js';
import { pendingRequests } from '../projections/outbound/selectors.js';
import type { SyncEnvelope } from '../events/outbound.js';
import { filter, map } from 'rxjs';

export type { Durability, EntryRange, IngestOutcome, IngestResult, LedgerOptions, ReplayOptions } from './api-types.js';

/**
 * An open ledger: the append-only log of everything a client received, the projected
 * state, and the decisions taken on it. Get one from `openLedger`.
 *
 * This is the facade of the public methods: writing goes through the {@link BatchWriter}
 * (`src/ingest/`), reading the log back through the {@link LogReader} (`src/log/`), and
 * opening or creating through `src/open.ts`.
 */
export class Ledger {
  private readonly store: LedgerStore;
  private readonly options: LedgerOptions;
  private readonly writer: BatchWriter;
  private readonly reader: LogReader;
  private readonly streams: LedgerStreams;
  private closed = false;
  /** Makes the requests the state calls for (null when read-only). */
  private readonly requests: RequestMaker | null;
  /** Answers room events given again from the log. */
  private repeats: RoomEventRepeats | null = null;
  /** True when opened for analysis: nothing is written. */
  readonly readOnly: boolean;
  /** The user and device that own this ledger. */
  readonly owner: LedgerParts['owner'];
  /**
   * Why the log could not be read to its end (read-only opens only), or null. The state
   * is as of the last readable entry; `verify()` says what is wrong.
   */
  readonly damaged: string | null;
  /** Every entry, once it is written (hot; completes on close). */
  readonly entries$: Observable<LedgerEntry>;
  /** Every decision, once its entry is written (hot; completes on close). */
  readonly decisions$: Observable<Decision>;
  /** The state after each written batch; a new subscriber gets the current one (completes on close). */
  readonly state$: Observable<LedgerState>;
  /** Each request the engine makes, once it is written (hot; completes on close). Pending ones: {@link outgoingRequests}. */
  readonly outgoing$: Observable<OutgoingRequest>;

  /** @internal Use `openLedger`. */
  constructor(private readonly parts: LedgerParts) {
    ({ store: this.store, options: this.options, readOnly: this.readOnly, owner: this.owner, damaged: this.damaged } = parts);
    this.streams = new LedgerStreams(parts.state);
    ({ entries$: this.entries$, decisions$: this.decisions$, state$: this.state$ } = this.streams);
    this.outgoing$ = this.entries$.pipe(map(requestOf), filter((r): r is OutgoingRequest => r !== null));
    this.requests = parts.account && parts.vault && parts.ingestor ? new RequestMaker(parts.account, parts.vault, parts.ingestor.sessions, parts.ingestor.groupSessions, parts.ingestor.roomKeys) : null;
    this.writer = BatchWriter.forLedger(parts, this.requests, {
      written: (entries, decisions, state) => this.streams.written(entries, decisions, state),
      broken: async () => {
        this.writer.rejectQueued(this.writer.failure);
        await this.close().catch(() => undefined);
      },
    });
    this.reader = new LogReader(parts.store, parts.projector, parts.memoryDecisions, () => ({ seq: this.writer.durableHead.seq, state: this.writer.durableState }));
  }

  // ---- ingestion ----------------------------------------------------------------------

  /**
   * Appends one envelope to the log and folds it. Resolves once the input and every fact
   * derived from it are written, in one batch. The type is the README's envelope table,
   * so a misspelt kind, action or field is a compile error; input the compiler cannot
   * vouch for (JSON text, objects from elsewhere) goes to {@link Ledger.ingestUnknown}.
   *
   * @throws InputDecodeError when the envelope still fails the run-time check (e.g. an
   *   event content that breaks its schema); it is logged, as a `rejected_input` entry
   *   whose seq the error carries.
   * @throws LedgerReadOnlyError, LedgerClosedError, LedgerWriteError.
   */
  async ingest(envelope: Envelope): Promise<IngestResult> {
    return this.ingestUnknown(envelope);
  }

  /**
   * Appends many envelopes in one atomic batch: after a crash either all of them are in
   * the log or none. Bad inputs do not stop the others: each gets its own outcome.
   */
  async ingestMany(envelopes: readonly Envelope[]): Promise<IngestOutcome[]> {
    return this.ingestManyUnknown(envelopes);
  }

  /**
   * {@link Ledger.ingest} for untyped input: an object of unknown shape, an envelope's
   * JSON text (as a line of an NDJSON file), or that text's UTF-8 bytes. An object is
   * serialised once, when this is called, and what is logged is what is decoded; whatever
   * fails is logged as a `rejected_input` entry.
   *
   * @throws InputDecodeError (the input is still logged), LedgerReadOnlyError,
   *   LedgerClosedError, LedgerWriteError.
   */
  async ingestUnknown(input: unknown): Promise<IngestResult> {
    const [outcome] = await this.submit([input]);
    if (!outcome!.ok) throw outcome!.error;
    const { ok: _ok, ...result } = outcome!;
    return result;
  }

  /** {@link Ledger.ingestMany} for untyped inputs (objects or JSON text): one atomic batch, one outcome each. */
  async ingestManyUnknown(inputs: readonly unknown[]): Promise<IngestOutcome[]> {
    return this.submit(inputs);
  }

  private submit(inputs: readonly unknown[]): Promise<IngestOutcome[]> {
    this.assertWritable();
    // Serialised now: what is logged is what the caller passed, not what it became later.
    const texts = inputs.map((input) => serialiseInput(input, this.options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES));
    return this.writer.submit(texts, this.options.durability === 'sync');
  }

  /**
   * Logs a room event as received and decrypts it: resolves with the plaintext (never
   * logged), the session and message index, how far the session can be trusted to come
   * from its sender device, that device and its trust, the shield a UI shows, and the
   * decisions the event caused. The plaintext is withheld (`plaintext: null`, `utd` says
   * why) when the sender does not own the session, the index was decrypted before for
   * another event, the plaintext names another room, or the sender is below the trust
   * requirement, unless `forensic` asks for it. The same event again (same ID and content)
   * is answered from the log, appending nothing (`repeated`), unless it did not decrypt and
   * a key for it has come since.
   * `receivedAt` stamps the entry (default: now), as `received_at` does in an envelope.
   *
   * @throws InputDecodeError when the event is not a valid room event (it is still logged).
   */
  async decryptRoomEvent(roomId: string, event: unknown, options?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent>;
  /** The same, for a timeline event that names its room (`room_id`), or a whole `room_event` envelope. */
  async decryptRoomEvent(eventOrEnvelope: object, options?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent>;
  async decryptRoomEvent(first: string | object, second?: unknown, third?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent> {
    const { roomId, event, receivedAt, options } = roomEventArguments(first, second, third);
    const how = { trustRequirement: options.trustRequirement ?? this.options.trustRequirement ?? 'untrusted', forensic: options.forensic === true };
    this.assertWritable();
    const state = this.writer.durableState;
    this.repeats ??= new RoomEventRepeats(this.store.log, this.store.unclean, this.parts.ingestor!, (fromSeq, toSeq) => this.decisions({ fromSeq, toSeq }));
    const repeat = await this.repeats.answer(state, roomId, event);
    if (repeat !== null) return describeRoomEvent(state, roomId, event, { result: repeat, ...how, repeated: true });
    const result = await this.ingestUnknown({ kind: 'room_event', room_id: roomId, event, ...(receivedAt !== undefined ? { received_at: receivedAt } : {}) });
    return describeRoomEvent(this.writer.durableState, roomId, event, { result, ...how, repeated: false });
  }

  // ---- the sync loop and outgoing requests (src/outbound/) ---------------------------

  /**
   * Logs the crypto parts of one `/sync` response as one input, in one atomic batch: its
   * to-device events (each logged and judged as a lone `to_device` envelope), tracked
   * users in `device_lists.changed` marked outdated and those in `left` no longer
   * tracked, and the server's counts of our one-time and fallback keys. The requests this
   * calls for (`keys_query`, `keys_upload`) are made in the same batch: see
   * {@link outgoingRequests}. Resolves with each to-device event as processed (never the
   * content of a room key or a secret).
   *
   * @throws InputDecodeError when the sync itself is not valid (it is logged, as rejected);
   *   a bad to-device event is only that event's `invalid` result.
   */
  async receiveSync(sync: Omit<SyncEnvelope, 'kind' | 'to_device_events'>): Promise<IngestResult & { toDeviceEvents: ToDeviceResult[] }> {
    const result = await this.ingestUnknown({ ...sync, kind: 'sync' });
    const entries = (result.toDevice ?? []).length > 0 ? await this.entriesOf(result) : [];
    return { ...result, toDeviceEvents: toDeviceResults(result, entries, this.writer.durableState) };
  }

  /**
   * Adds users whose device lists matter (logged): each one not tracked yet is outdated,
   * so a `keys_query` request for it is made.
   */
  async updateTrackedUsers(users: readonly string[]): Promise<IngestResult> {
    return this.ingestUnknown({ kind: 'track_users', users: [...users] });
  }

  /**
   * Asks for Olm sessions with every device of `users` (logged): a `keys_claim` request for
   * those listed by `/keys/query` that we share no session with (none blocked, none whose
   * keys changed), returned and queued with the others (send it once: it is also in
   * {@link outgoingRequests}); null when none is missing. When
   * its response is marked sent, each claimed key is checked against its device's Ed25519
   * key and a session made from each that passes.
   */
  async getMissingSessions(users: readonly string[]): Promise<OutgoingRequest | null> {
    const result = await this.ingestUnknown({ kind: 'missing_sessions', users: [...users] });
    return requestMadeBy(await this.entriesOf(result));
  }

  /**
   * Olm-encrypts a to-device event for one device (the spec's payload, with
   * `sender_device_keys`), with the session it last received a message on, and queues it
   * as a `to_device` request (also returned, and in {@link outgoingRequests}: send it once). The content is never logged: the log keeps
   * the request (`encrypt_to_device`), the decision, the session and the ciphertext's hash.
   * Refused, with a decision and `request: null`, for a device `/keys/query` did not list,
   * one blocked or whose keys changed, or one we share no session with
   * (`getMissingSessions` first).
   */
  async encryptToDevice(userId: string, deviceId: string, type: string, content: Record<string, unknown>): Promise<{ request: OutgoingRequest | null; decisions: Decision[] }> {
    this.assertWritable();
    const txnId = this.requests!.stage(content);
    try {
      const result = await this.ingestUnknown({ kind: 'encrypt_to_device', user_id: userId, device_id: deviceId, event_type: type, txn_id: txnId });
      return { request: requestMadeBy(await this.entriesOf(result)), decisions: result.decisions };
    } finally {
      this.requests!.unstage(txnId);
    }
  }

  // ---- our room keys (src/outbound/room-keys.ts) ----------------------------------------

  /**
   * Shares the room's outbound Megolm session with the devices of `userIds` (the room's
   * members), logged, in one batch: the session is made, or rotated first when it must be
   * (its period or message count reached, a member gone, a device that holds it removed,
   * blocked or below the strategy, or discarded), each with a decision naming why. Each
   * device gets a decision: the key (`m.room_key` over Olm), a wait for a session (a
   * keys_claim is made with the share, and the key follows when its response is marked
   * sent), or `m.room_key.withheld` with the spec's code. The requests it made are
   * returned (send them once: they are also in {@link outgoingRequests}); the key never
   * enters the log.
   */
  async shareRoomKey(roomId: string, userIds: readonly string[], settings: RoomKeySettings = {}): Promise<{ seq: number; requests: OutgoingRequest[]; decisions: Decision[] }> {
    const result = await this.ingestUnknown({
      kind: 'share_room_key', room_id: roomId, users: [...userIds], strategy: settings.strategy ?? 'all',
      ...(settings.rotationPeriodMs !== undefined ? { rotation_period_ms: settings.rotationPeriodMs } : {}),
      ...(settings.rotationPeriodMsgs !== undefined ? { rotation_period_msgs: settings.rotationPeriodMsgs } : {}),
    });
    return { seq: result.seq, requests: requestsMadeBy(await this.entriesOf(result)), decisions: result.decisions };
  }

  /**
   * Megolm-encrypts a room event with the room's outbound session: the `m.room.encrypted`
   * content to send. The log keeps the session, the index, the type and the ciphertext's
   * hash (`megolm_encrypted`), never the content.
   *
   * @throws RoomKeyNotSharedError when the room has no session (share first) or it is due
   *   for rotation (share again); the refusal is logged with its decision.
   */
  async encryptRoomEvent(roomId: string, eventType: string, content: Record<string, unknown>): Promise<MegolmEncryptedEventContent> {
    this.assertWritable();
    const txnId = this.requests!.stage(content);
    try {
      const result = await this.ingestUnknown({ kind: 'encrypt_room_event', room_id: roomId, event_type: eventType, txn_id: txnId });
      const encrypted = this.requests!.takeEncrypted(txnId);
      if (encrypted === undefined) throw new RoomKeyNotSharedError(roomId, result.decisions[0]?.code ?? 'megolm_out.no_session', result.seq);
      return encrypted;
    } finally {
      this.requests!.unstage(txnId);
    }
  }

  /**
   * Discards the room's outbound session (logged, `megolm_out.rotate_discarded`): the next
   * {@link shareRoomKey} makes a new one. False when there was none to discard.
   */
  async discardRoomKey(roomId: string): Promise<boolean> {
    const result = await this.ingestUnknown({ kind: 'discard_room_key', room_id: roomId });
    return result.decisions.some((d) => d.code === 'megolm_out.rotate_discarded');
  }

  /** The entries one input wrote (it and its facts), read back. */
  private async entriesOf(result: IngestResult): Promise<LedgerEntry[]> {
    return this.entries({ from: result.seq, to: result.seqs[result.seqs.length - 1] });
  }

  /**
   * The requests the client must send, in the order they were made: each stays here,
   * across restarts, until {@link markRequestAsSent} logs its response.
   */
  outgoingRequests(): OutgoingRequest[] {
    return pendingRequests(this.state()).map(toOutgoingRequest);
  }

  /**
   * Logs the server's response to a request and folds it: a `keys_query` response is a
   * `keys_query` envelope (judged exactly as one), a `keys_upload` response updates the
   * server's count of our one-time keys. The requests it calls for are made with it.
   *
   * @throws InputDecodeError when the response does not decode for its type (it is
   *   logged, as rejected, and the request stays pending).
   */
  async markRequestAsSent(id: string, type: string, response: unknown): Promise<IngestResult> {
    return this.ingestUnknown(responseEnvelope(id, type, response));
  }

  // ---- our own device -----------------------------------------------------------------

  /** Our device's signed `device_keys`, for `/keys/upload`. */
  deviceKeys(): SignedDeviceKeys {
    return this.requireAccount().deviceKeys();
  }

  /**
   * A fresh batch of signed one-time keys and a signed fallback key for `/keys/upload`,
   * marked published and saved before this resolves (so a key is never handed out twice).
   * `count` defaults to half the account's maximum, as clients keep on the server.
   */
  async publishKeys(options: { count?: number; withDeviceKeys?: boolean } = {}): Promise<KeysUploadBody> {
    const account = this.requireAccount();
    const body = account.publishKeys(options.count, options.withDeviceKeys ?? false);
    await this.writer.writeOps([this.parts.vault!.putOp('account', account.pickle())]);
    return body;
  }

  private requireAccount(): OwnAccount {
    this.assertWritable();
    return this.parts.account!;
  }

  // ---- reading ------------------------------------------------------------------------

  /** The state after the last written entry. */
  state(): LedgerState {
    this.assertOpen();
    return this.writer.durableState;
  }

  /** The seq of the last written entry. */
  headSeq(): number {
    return this.writer.durableHead.seq;
  }

  /** SHA-256 of the canonical JSON of a state (default: the current one). */
  stateHash(state: LedgerState = this.state()): string {
    return stateHash(state);
  }

  /** The slice versions this engine folds with. */
  sliceVersions(): SliceVersions {
    return this.parts.projector.versions;
  }

  /**
   * The state right after entry `seq`: from the newest snapshot at or before it, plus
   * the entries in between (never a replay from zero when a snapshot exists).
   */
  async stateAt(seq: number): Promise<LedgerState> {
    this.assertOpen();
    return this.reader.stateAt(seq);
  }

  /**
   * Replays the log with this engine's reducers, from the start (or from the newest
   * snapshot when `fromSnapshot`), without touching the ledger: the basis of what-if and
   * rejudge analysis. `skip` leaves entries out, as if they had never arrived.
   */
  async replay(options: ReplayOptions = {}): Promise<{ state: LedgerState; entries: number; headSeq: number }> {
    this.assertOpen();
    return this.reader.replay(options);
  }

  /** Re-folds entries from a given state without touching the ledger (what-if analysis). */
  fold(state: LedgerState, entries: readonly LedgerEntry[], decisions?: Decision[]): LedgerState {
    return this.parts.projector.fold(state, entries, decisions);
  }

  /** The initial (empty) state of every slice. */
  initialState(): LedgerState {
    return this.parts.projector.initial();
  }

  /** Decisions in log order, narrowed by `filter`. */
  async decisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    this.assertOpen();
    return this.reader.decisions(filter);
  }

  /**
   * Decisions in log order, narrowed by `filter`, one at a time (for `for await`): memory
   * stays bounded whatever their number, where {@link decisions} collects them.
   */
  async *streamDecisions(filter: DecisionFilter = {}): AsyncGenerator<Decision> {
    this.assertOpen();
    yield* this.reader.streamDecisions(filter);
  }

  /**
   * Decisions as they were taken when each entry was written, whatever the rules since
   * (`decisions` follows the current rules). Empty for ledgers written before they were kept.
   */
  async recordedDecisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    this.assertOpen();
    return this.reader.decisions(filter, 'recorded');
  }

  /**
   * An entry with the secrets it keeps sealed put back (for an export the user asked to
   * include secrets in). Needs the ledger opened with its store key.
   *
   * @throws VaultKeyError without the store key, or with a wrong one.
   */
  revealSecrets(entry: LedgerEntry): LedgerEntry {
    const vault = this.parts.vault;
    if (vault === null || !vault.encrypted) {
      throw new VaultKeyError('secrets in the log are sealed with the store key: open the ledger with it to reveal them (KEYLEDGER_STORE_KEY for the CLI)');
    }
    return revealSecrets(entry, (sealed, field) => vault.openFromLog(sealed, field));
  }

  /**
   * Written entries with `from <= seq <= to`, in order: iterate them with `for await`
   * (read in chunks, for logs of any size), or `await` the call for an array.
   *
   * @throws UnreadableEntriesError at entries that cannot be read (a damaged table), naming
   *   them; with `onUnreadable`, they are reported to it and skipped instead.
   */
  entries(range: { from?: number; to?: number; onUnreadable?: (gap: { first: number; last: number | null }) => void } = {}): EntryRange {
    this.assertOpen();
    return this.reader.entries(range);
  }

  /**
   * Reads every record of the log, without decoding it, to find a damaged table before
   * anything is appended after it (0.9 s for 200,000 entries here: linear in the log).
   *
   * @throws UnreadableEntriesError naming the first entries that cannot be read; the
   *   ledger then refuses to append ({@link LedgerDamagedError}).
   */
  async checkLogReadable(onProgress?: (seq: number) => void): Promise<void> {
    this.assertOpen();
    await this.writer.idle();
    await this.store.checkReadable(onProgress);
  }

  /**
   * Writes a consistent copy of the ledger into `dir` (absent or empty) from the process
   * that holds it, while ingestion goes on: everything is read from one LevelDB snapshot,
   * so the copy holds whole batches only and `verify` passes on it. The copy is for
   * analysis (open it read-only): the vault (our Olm account and sessions) is left out
   * unless `vault: true`, which makes a backup that can be opened for writing.
   *
   * @throws LedgerDamagedError when `dir` is not absent or empty; the store errors when
   *   it cannot be written.
   */
  async copyTo(dir: string, options: { vault?: boolean } = {}): Promise<{ entries: number; headSeq: number }> {
    this.assertOpen();
    return copyStore(this.store, dir, { vault: options.vault ?? false });
  }

  /** Checks the hash chain, the signed checkpoints and the snapshot state hashes. */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    await this.writer.idle();
    // (No key when the genesis entry could not be read: the checkpoints then name it.)
    return verifyLedger(this.store, this.parts.projector, this.parts.crypto, { ...options, expectedSigner: options.expectedSigner ?? (this.owner.ed25519 || undefined) });
  }

  /**
   * Writes what is pending, stores a final signed snapshot, frees the olm objects and
   * closes the store. The rxjs streams complete.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.writer.idle();
    this.closed = true;
    try {
      await this.parts.checkpoints?.settled();
      if (!this.readOnly && this.writer.failure === null && this.parts.checkpoints !== null && this.writer.durableHead.seq > this.parts.checkpoints.lastSeq) {
        await this.parts.checkpoints.write(this.writer.durableState, this.writer.durableHead);
      }
    } finally {
      this.parts.ingestor?.free();
      this.parts.account?.free();
      this.parts.crypto.free();
      await this.store.close();
      this.streams.complete();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw this.writer.failure ?? new LedgerClosedError();
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new LedgerReadOnlyError();
    if (this.writer.failure) throw this.writer.failure;
    const damage = this.store.damage;
    if (damage) throw new LedgerDamagedError(this.store.path, `the log is damaged (${damage.message}): nothing more is appended to it`, [], damage);
  }
}
