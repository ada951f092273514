import type { Observable } from 'rxjs';
import type { Envelope } from '../events/envelope.js';
import type { LedgerEntry } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import type { OwnAccount, KeysUploadBody, SignedDeviceKeys } from './crypto/account.js';
import type { GossipRequestResult, LedgerApi, LedgerOwner } from './ledger-api.js';
import type { LedgerParts } from './ledger-parts.js';
import type { CrossSigningKeySource, CrossSigningPrivateKeys, CrossSigningStatus, EntryRange, IngestOutcome, IngestResult, LedgerOptions, ReplayOptions, RoomKeySettings, SendRoomMessageOptions, VerificationOptions } from './api-types.js';
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
import { QrUnavailableError, parseQrPayload } from './outbound/verification.js';
import { requestMadeBy, requestOf, requestsMadeBy, responseEnvelope, toOutgoingRequest, type OutgoingRequest } from './outbound/outgoing.js';
import type { MegolmEncryptedEventContent } from './outbound/room-keys.js';
import { toDeviceResults, type ToDeviceResult } from './outbound/sync-results.js';
import { pendingRequests } from '../projections/outbound/selectors.js';
import { queueRoomMessage } from './outbound/room-message.js';
import { crossSigningStatus } from './outbound/cross-signing-status.js';
import * as crossSigningCalls from './outbound/cross-signing-calls.js';
import * as gossipCalls from './outbound/gossip-calls.js';
import type { SyncEnvelope } from '../events/outbound.js';
import { backupStatus, mayUpload, type BackupStatus, type MayUpload } from '../projections/backup/selectors.js';
import type { BackupKeysResponse } from '../events/secret-storage.js';
import type { SecretStorageUnlock } from './secrets/open-storage.js';
import * as secretCalls from './secrets/secret-calls.js';
import { distinctUntilChanged, filter, map } from 'rxjs';
import { randomUUID } from 'node:crypto';
import type { VerificationStepResult } from './ledger-api.js';
import { verificationView, verificationViews, type VerificationView } from './verifications.js';

export type { Durability, EntryRange, IngestOutcome, IngestResult, LedgerOptions, ReplayOptions } from './api-types.js';

/**
 * An open ledger: the append-only log of everything a client received, the projected
 * state, and the decisions taken on it. Get one from `openLedger`.
 *
 * This is the facade of the public methods, each documented on {@link LedgerApi}
 * (`src/ledger-api.ts`): writing goes through the {@link BatchWriter} (`src/ingest/`),
 * reading the log back through the {@link LogReader} (`src/log/`), requests out through
 * `src/outbound/`, and opening or creating through `src/open.ts`.
 */
export class Ledger implements LedgerApi {
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
  readonly readOnly: boolean;
  readonly owner: LedgerOwner;
  readonly damaged: string | null;
  readonly entries$: Observable<LedgerEntry>;
  readonly decisions$: Observable<Decision>;
  readonly state$: Observable<LedgerState>;
  readonly outgoing$: Observable<OutgoingRequest>;
  readonly verifications$: Observable<VerificationView[]>;

  /** @internal Use `openLedger`. */
  constructor(private readonly parts: LedgerParts) {
    ({ store: this.store, options: this.options, readOnly: this.readOnly, owner: this.owner, damaged: this.damaged } = parts);
    this.streams = new LedgerStreams(parts.state);
    ({ entries$: this.entries$, decisions$: this.decisions$, state$: this.state$ } = this.streams);
    this.outgoing$ = this.entries$.pipe(map(requestOf), filter((r): r is OutgoingRequest => r !== null));
    this.verifications$ = this.state$.pipe(map((s) => s['verification']), distinctUntilChanged(), map(() => verificationViews(this.writer.durableState)));
    this.requests = parts.account && parts.vault && parts.ingestor ? new RequestMaker(parts.account, parts.vault, parts.ingestor.sessions, parts.ingestor.groupSessions, parts.ingestor.roomKeys, parts.ingestor.crossSigningSeeds, parts.ingestor.secretInbox) : null;
    this.writer = BatchWriter.forLedger(parts, this.requests, {
      written: (entries, decisions, state) => {
        this.repeats?.written(entries, decisions);
        this.streams.written(entries, decisions, state);
      },
      broken: async () => {
        this.writer.rejectQueued(this.writer.failure);
        await this.close().catch(() => undefined);
      },
    });
    this.reader = new LogReader(parts.store, parts.projector, parts.memoryDecisions, () => ({ seq: this.writer.durableHead.seq, state: this.writer.durableState }));
  }

  // ---- ingestion ----------------------------------------------------------------------

  // The calls below return the writer's promise with one `then`, not a chain of async
  // functions: each input held four promises and their frames while its batch was built
  // and written, a quarter of what a batch kept alive (see the #12 notes in BENCHMARKS.md).
  ingest(envelope: Envelope): Promise<IngestResult> {
    return this.ingestUnknown(envelope);
  }

  ingestMany(envelopes: readonly Envelope[]): Promise<IngestOutcome[]> {
    return this.ingestManyUnknown(envelopes);
  }

  ingestUnknown(input: unknown): Promise<IngestResult> {
    return this.submit([input], oneWithoutOk);
  }

  /** One input logged; its outcome, or its error thrown. */
  private submitOne(input: unknown): Promise<Extract<IngestOutcome, { ok: true }>> {
    return this.submit([input], one);
  }

  ingestManyUnknown(inputs: readonly unknown[]): Promise<IngestOutcome[]> {
    return this.submit(inputs, all);
  }

  /** Logs `inputs` as one request; what `pick` makes of their outcomes. Never throws: a refusal is a rejected promise. */
  private submit<T>(inputs: readonly unknown[], pick: (outcomes: IngestOutcome[]) => T): Promise<T> {
    let written: Promise<IngestOutcome[]>;
    try {
      this.assertWritable();
      // Serialised now: what is logged is what the caller passed, not what it became later.
      const maxBytes = this.options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
      const texts = inputs.map((input) => serialiseInput(input, maxBytes));
      written = this.writer.submit(texts, this.options.durability === 'sync');
    } catch (err) {
      return Promise.reject(err);
    }
    return written.then((outcomes) =>
      gossipCalls.mayImportSharedCrossSigningKeys(outcomes)
        ? gossipCalls.importSharedCrossSigningKeys(outcomes, this.parts.vault, (keys, source) => this.importCrossSigningKeys(keys, source)).then(() => pick(outcomes))
        : pick(outcomes),
    );
  }

  async decryptRoomEvent(roomId: string, event: unknown, options?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent>;
  async decryptRoomEvent(eventOrEnvelope: object, options?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent>;
  async decryptRoomEvent(first: string | object, second?: unknown, third?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent> {
    const { roomId, event, receivedAt, options } = roomEventArguments(first, second, third);
    const trustRequirement = options.trustRequirement ?? this.options.trustRequirement ?? 'untrusted';
    const forensic = options.forensic === true;
    this.assertWritable();
    const state = this.writer.durableState;
    this.repeats ??= new RoomEventRepeats(this.store.log, this.store.unclean, this.parts.ingestor!, (fromSeq, toSeq) => this.decisions({ fromSeq, toSeq }));
    const asked = this.repeats.answer(state, roomId, event);
    const repeat = asked === null ? null : await asked;
    if (repeat !== null) return describeRoomEvent(state, roomId, event, { result: repeat, trustRequirement, forensic, repeated: true });
    // (No spreads: this runs for every event a client renders.)
    const envelope: { kind: 'room_event'; room_id: string; event: unknown; received_at?: number } = { kind: 'room_event', room_id: roomId, event };
    if (receivedAt !== undefined) envelope.received_at = receivedAt;
    const outcome = await this.submitOne(envelope);
    return describeRoomEvent(this.writer.durableState, roomId, event, { result: outcome, trustRequirement, forensic, repeated: false });
  }

  // ---- the sync loop and outgoing requests (src/outbound/) ---------------------------

  async receiveSync(sync: Omit<SyncEnvelope, 'kind' | 'to_device_events'>): Promise<IngestResult & { toDeviceEvents: ToDeviceResult[] }> {
    const result = await this.ingestUnknown({ ...sync, kind: 'sync' });
    const entries = (result.toDevice ?? []).length > 0 ? await this.entriesOf(result) : [];
    return { ...result, toDeviceEvents: toDeviceResults(result, entries, this.writer.durableState) };
  }

  async updateTrackedUsers(users: readonly string[]): Promise<IngestResult> {
    return this.ingestUnknown({ kind: 'track_users', users: [...users] });
  }

  async getMissingSessions(users: readonly string[]): Promise<OutgoingRequest | null> {
    const result = await this.ingestUnknown({ kind: 'missing_sessions', users: [...users] });
    return requestMadeBy(await this.entriesOf(result));
  }

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

  async shareRoomKey(roomId: string, userIds: readonly string[], settings: RoomKeySettings = {}): Promise<{ seq: number; requests: OutgoingRequest[]; decisions: Decision[] }> {
    const result = await this.ingestUnknown({
      kind: 'share_room_key', room_id: roomId, users: [...userIds], strategy: settings.strategy ?? 'all',
      ...(settings.rotationPeriodMs !== undefined ? { rotation_period_ms: settings.rotationPeriodMs } : {}),
      ...(settings.rotationPeriodMsgs !== undefined ? { rotation_period_msgs: settings.rotationPeriodMsgs } : {}),
    });
    return { seq: result.seq, requests: requestsMadeBy(await this.entriesOf(result)), decisions: result.decisions };
  }

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

  async discardRoomKey(roomId: string): Promise<boolean> {
    const result = await this.ingestUnknown({ kind: 'discard_room_key', room_id: roomId });
    return result.decisions.some((d) => d.code === 'megolm_out.rotate_discarded');
  }

  // ---- key and secret requests (src/outbound/gossip.ts) --------------------------------

  async requestRoomKey(roomId: string, sessionId: string, senderKey?: string): Promise<GossipRequestResult> {
    return gossipCalls.requestRoomKey(this.callDeps, roomId, sessionId, senderKey);
  }

  async requestSecret(name: string): Promise<GossipRequestResult> {
    return gossipCalls.requestSecret(this.callDeps, name);
  }

  // ---- verification (projections/verification/, src/outbound/verification.ts) ----------

  async requestVerification(userId: string, deviceId?: string, options: VerificationOptions = {}): Promise<VerificationStepResult & { id: string }> {
    const id = randomUUID();
    const result = await this.verificationAction({ action: 'verification_request', flow_id: id, user_id: userId, ...(deviceId !== undefined ? { device_id: deviceId } : {}), ...(options.qr === true ? { qr: true } : {}) });
    return { ...result, id };
  }

  async requestVerificationInRoom(roomId: string, userId: string, options: VerificationOptions = {}): Promise<VerificationStepResult & { id: string }> {
    const id = randomUUID();
    return { ...(await this.verificationAction({ action: 'verification_request', flow_id: id, user_id: userId, room_id: roomId, ...(options.qr === true ? { qr: true } : {}) })), id };
  }

  async acceptVerification(id: string, options: VerificationOptions = {}): Promise<VerificationStepResult> {
    return this.verificationAction({ action: 'verification_accept', flow_id: id, ...(options.qr === true ? { qr: true } : {}) });
  }

  async scanVerificationQrCode(id: string, bytes: Uint8Array): Promise<VerificationStepResult> {
    if (this.requests === null) throw new QrUnavailableError(id, 'this ledger has no account (read-only)');
    const code = parseQrPayload(bytes);
    this.requests.holdScannedQrSecret(id, code.secret);
    return this.verificationAction({ action: 'verification_scan_qr', flow_id: id, mode: code.mode, code_flow_id: code.flowId, first_key: code.firstKey, second_key: code.secondKey });
  }

  verificationQrCode(id: string): Uint8Array {
    if (this.requests === null) throw new QrUnavailableError(id, 'this ledger has no account (read-only)');
    return this.requests.verificationQrCode(this.writer.durableState, id);
  }

  async startSas(id: string): Promise<VerificationStepResult> {
    return this.verificationAction({ action: 'verification_start_sas', flow_id: id });
  }

  async confirmSas(id: string, match = true): Promise<VerificationStepResult> {
    return this.verificationAction({ action: 'verification_confirm', flow_id: id, match });
  }

  async cancelVerification(id: string): Promise<VerificationStepResult> {
    return this.verificationAction({ action: 'verification_cancel', flow_id: id });
  }

  verifications(): VerificationView[] {
    return verificationViews(this.state());
  }

  private async verificationAction(action: Record<string, unknown> & { flow_id: string }): Promise<VerificationStepResult> {
    const result = await this.ingestUnknown({ kind: 'user_action', ...action });
    return { seq: result.seq, requests: requestsMadeBy(await this.entriesOf(result)), decisions: result.decisions, flow: verificationView(this.writer.durableState, action.flow_id) };
  }

  async sendRoomMessage(roomId: string, eventType: string, content: Record<string, unknown>, options: SendRoomMessageOptions = {}): Promise<OutgoingRequest> {
    this.assertWritable();
    return queueRoomMessage({ ...this.callDeps, state: () => this.state(), encryptRoomEvent: (r, t, c) => this.encryptRoomEvent(r, t, c) }, roomId, eventType, content, options.encrypted);
  }

  // ---- our own cross-signing identity (src/outbound/cross-signing.ts) -------------------

  async bootstrapCrossSigning(): Promise<{ keys: { master: string; selfSigning: string; userSigning: string }; requests: OutgoingRequest[]; decisions: Decision[] }> {
    this.assertWritable();
    return crossSigningCalls.bootstrap(this.callDeps);
  }

  async importCrossSigningKeys(keys: CrossSigningPrivateKeys, source: CrossSigningKeySource): Promise<{ decisions: Decision[] }> {
    this.assertWritable();
    return crossSigningCalls.importKeys(this.callDeps, this.requests!.crossSigner, keys, source);
  }

  async crossSignDevice(deviceId: string): Promise<{ request: OutgoingRequest; decisions: Decision[] }> {
    this.assertWritable();
    return crossSigningCalls.crossSign(this.callDeps, { action: 'sign_device', device_id: deviceId });
  }

  async crossSignUser(userId: string): Promise<{ request: OutgoingRequest; decisions: Decision[] }> {
    this.assertWritable();
    return crossSigningCalls.crossSign(this.callDeps, { action: 'sign_user', user_id: userId });
  }

  /** What the cross-signing calls need: logging an input, and reading back what it wrote. */
  private get callDeps(): crossSigningCalls.CallDeps {
    return { ingestUnknown: (input) => this.ingestUnknown(input), entriesOf: (result) => this.entriesOf(result) };
  }

  crossSigningStatus(): CrossSigningStatus {
    return crossSigningStatus(this.state());
  }

  /** The entries one input wrote (it and its facts), read back. */
  private async entriesOf(result: IngestResult): Promise<LedgerEntry[]> {
    return this.entries({ from: result.seq, to: result.seqs[result.seqs.length - 1] });
  }

  outgoingRequests(): OutgoingRequest[] {
    const requests = pendingRequests(this.state()).map(toOutgoingRequest);
    return this.requests === null ? requests : requests.map((r) => this.requests!.withQrSecret(r));
  }

  async markRequestAsSent(id: string, type: string, response: unknown): Promise<IngestResult> {
    return this.ingestUnknown(responseEnvelope(id, type, response));
  }

  // ---- secret storage, key backup, key export (src/secrets/secret-calls.ts) -----------

  async openSecretStorage(unlock: SecretStorageUnlock, keyId?: string): Promise<{ keyId: string; stored: string[]; failed: string[]; crossSigning: string | null }> {
    this.assertWritable();
    return secretCalls.openSecretStorage(this.secretDeps, unlock, keyId);
  }

  async enterBackupKey(recoveryKey: string): Promise<{ publicKey: string | null }> {
    this.assertWritable();
    return secretCalls.enterBackupKey(this.secretDeps, recoveryKey);
  }

  async createSecretStorage(options: { passphrase?: string } = {}): Promise<{ keyId: string; recoveryKey: string; secrets: string[]; requests: OutgoingRequest[] }> {
    this.assertWritable();
    return secretCalls.createSecretStorage(this.secretDeps, options);
  }

  mayBackUp(): MayUpload {
    return mayUpload(this.state());
  }

  backupStatus(): BackupStatus {
    return backupStatus(this.state());
  }

  async restoreBackup(version: string, response: BackupKeysResponse): Promise<{ restored: number; refused: number; decisions: Decision[] }> {
    this.assertWritable();
    return secretCalls.restoreBackup(this.secretDeps, version, response);
  }

  async backUpRoomKeys(maxSessions = 1000): Promise<OutgoingRequest | null> {
    this.assertWritable();
    return secretCalls.backUpRoomKeys(this.secretDeps, maxSessions);
  }

  async importRoomKeys(fileText: string, passphrase: string): Promise<{ imported: number; refused: number }> {
    this.assertWritable();
    return secretCalls.importRoomKeys(this.secretDeps, fileText, passphrase);
  }

  async exportRoomKeys(passphrase: string): Promise<string> {
    this.assertWritable();
    return secretCalls.exportRoomKeys(this.secretDeps, passphrase);
  }

  /** What the secret calls need: logging an input, reading back what it wrote, the vault and the staging area. */
  private get secretDeps(): secretCalls.SecretDeps {
    return {
      ingestUnknown: (input) => this.ingestUnknown(input),
      entriesOf: (result) => this.entriesOf(result),
      state: () => this.writer.durableState,
      vault: this.parts.vault!,
      restore: this.parts.ingestor!.restore,
      userId: this.owner.userId,
      importCrossSigningKeys: (keys, source) => this.importCrossSigningKeys(keys, source),
    };
  }

  // ---- our own device -----------------------------------------------------------------

  deviceKeys(): SignedDeviceKeys {
    return this.requireAccount().deviceKeys();
  }

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

  state(): LedgerState {
    this.assertOpen();
    return this.writer.durableState;
  }

  headSeq(): number {
    return this.writer.durableHead.seq;
  }

  stateHash(state: LedgerState = this.state()): string {
    return stateHash(state);
  }

  sliceVersions(): SliceVersions {
    return this.parts.projector.versions;
  }

  async stateAt(seq: number): Promise<LedgerState> {
    this.assertOpen();
    return this.reader.stateAt(seq);
  }

  async replay(options: ReplayOptions = {}): Promise<{ state: LedgerState; entries: number; headSeq: number }> {
    this.assertOpen();
    return this.reader.replay(options);
  }

  fold(state: LedgerState, entries: readonly LedgerEntry[], decisions?: Decision[]): LedgerState {
    return this.parts.projector.fold(state, entries, decisions);
  }

  initialState(): LedgerState {
    return this.parts.projector.initial();
  }

  async decisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    this.assertOpen();
    return this.reader.decisions(filter);
  }

  async *streamDecisions(filter: DecisionFilter = {}): AsyncGenerator<Decision> {
    this.assertOpen();
    yield* this.reader.streamDecisions(filter);
  }

  async recordedDecisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    this.assertOpen();
    return this.reader.decisions(filter, 'recorded');
  }

  revealSecrets(entry: LedgerEntry): LedgerEntry {
    const vault = this.parts.vault;
    if (vault === null || !vault.encrypted) {
      throw new VaultKeyError('secrets in the log are sealed with the store key: open the ledger with it to reveal them (KEYLEDGER_STORE_KEY for the CLI)');
    }
    return revealSecrets(entry, (sealed, field) => vault.openFromLog(sealed, field));
  }

  entries(range: { from?: number; to?: number; onUnreadable?: (gap: { first: number; last: number | null }) => void } = {}): EntryRange {
    this.assertOpen();
    return this.reader.entries(range);
  }

  async checkLogReadable(onProgress?: (seq: number) => void): Promise<void> {
    this.assertOpen();
    await this.writer.idle();
    await this.store.checkReadable(onProgress);
  }

  async copyTo(dir: string, options: { vault?: boolean } = {}): Promise<{ entries: number; headSeq: number }> {
    this.assertOpen();
    return copyStore(this.store, dir, { vault: options.vault ?? false });
  }

  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    await this.writer.idle();
    // (No key when the genesis entry could not be read: the checkpoints then name it.)
    return verifyLedger(this.store, this.parts.projector, this.parts.crypto, { ...options, expectedSigner: options.expectedSigner ?? (this.owner.ed25519 || undefined) });
  }

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
      this.repeats?.close();
      this.parts.ingestor?.free();
      this.requests?.free();
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

/** Every outcome, as they are. */
const all = (outcomes: IngestOutcome[]): IngestOutcome[] => outcomes;

/** The one input's outcome, or its error thrown. */
function one(outcomes: IngestOutcome[]): Extract<IngestOutcome, { ok: true }> {
  const outcome = outcomes[0]!;
  if (!outcome.ok) throw outcome.error;
  return outcome;
}

/** The one input's result, or its error thrown. */
function oneWithoutOk(outcomes: IngestOutcome[]): IngestResult {
  const { ok: _ok, ...result } = one(outcomes);
  return result;
}
