import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { Envelope } from '../events/envelope.js';
import { GENESIS_PREV_HASH, type LedgerCreatedPayload, type LedgerEntry, type RejectedInputPayload } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import { defaultSlices } from '../projections/index.js';
import type { AnySlice } from '../projections/slice.js';
import { OwnAccount, type KeysUploadBody, type SignedDeviceKeys } from './crypto/account.js';
import { OlmCryptoPort } from './crypto/port.js';
import { loadOlm, type Olm } from './crypto/olm.js';
import { decisionPuts, iterateDecisions, matches, readDecisions, type DecisionFilter } from './log/decisions.js';
import {
  InputDecodeError,
  StoreKeyRequiredError,
  LedgerClosedError,
  LedgerDamagedError,
  LedgerIdentityMismatchError,
  LedgerNotFoundError,
  LedgerReadOnlyError,
  LedgerWriteError,
  UnreadableEntriesError,
  VaultKeyError,
} from './errors.js';
import { revealSecrets } from './reveal.js';
import { encodeEntry, seqKey, toPlain } from './log/entry-codec.js';
import { prepareInput, rejected, type SecretSealer } from './ingest/prepare.js';
import { DEFAULT_MAX_INPUT_BYTES, serialiseInput } from './ingest/input-text.js';
import { Ingestor, type RoomEventPlaintext } from './ingest/ingestor.js';
import { LedgerStore, type BatchOp } from './log/store.js';
import { Projector, stateHash, type LedgerState, type SliceVersions } from './runtime/projector.js';
import { canonicalJson } from './canonical.js';
import { checkpointMessage, latestSnapshot, snapshotPut, snapshotsToPrune, type Snapshot } from './log/snapshots.js';
import { copyStore } from './log/copy.js';
import { inspectFolder } from './log/leveldb-files.js';
import { Vault } from './crypto/vault.js';
import { recoverState } from './log/recover.js';
import { describeRoomEvent, roomEventArguments, type DecryptedRoomEvent, type DecryptRoomEventOptions } from './room-event.js';
import { RoomEventRepeats, uncleanEventPuts } from './room-event-repeat.js';
import type { TrustRequirement } from './trust-requirement.js';
import { verifyLedger, type VerifyOptions, type VerifyReport } from './log/verify.js';
import { ENGINE_VERSION } from './version.js';

/** How an ingest call reaches the disk. */
export type Durability = 'sync' | 'batched';

/** Options of {@link openLedger}. */
export interface LedgerOptions {
  /** The LevelDB folder. */
  path: string;
  /** Our user: required to create a ledger, checked against an existing one. */
  userId?: string;
  /** Our device ID: required to create a ledger, checked against an existing one. */
  deviceId?: string;
  /**
   * `batched` (default): concurrent ingest calls share one LevelDB batch, written without
   * fsync (an acknowledged entry survives a process crash, not a power cut).
   * `sync`: each ingest call is its own batch, fsynced before it resolves.
   */
  durability?: Durability;
  /** Open for analysis: no writes, no vault, no store key needed. */
  readOnly?: boolean;
  /** Key (or passphrase) that encrypts the vault at rest. Without one the vault is plain. */
  storeKey?: string | Uint8Array;
  /**
   * Create the ledger with its vault (Olm account and sessions, Megolm keys) unencrypted at
   * rest. Creating a ledger without `storeKey` needs this, so an unencrypted vault is a
   * choice, never the result of an unset variable. Ignored when `storeKey` is given or the
   * ledger exists.
   */
  unencryptedVault?: boolean;
  /** Write a signed snapshot every this many entries (default 10,000) and on close. */
  snapshotEvery?: number;
  /**
   * Snapshots kept: the newest this many (default 3); older ones are deleted when a new
   * one is written. Each holds a whole state, and only the newest is read on opening.
   */
  keepSnapshots?: number;
  /** The clock that stamps entries without `received_at` (tests pass a fixed one). */
  now?: () => number;
  /** Slices to fold, in order (default: every slice keyledger ships). */
  slices?: readonly AnySlice[];
  /**
   * How far a room event's sender device must be trusted for `decryptRoomEvent` to hand
   * out its plaintext (default `untrusted`: everyone's); a call may override it.
   */
  trustRequirement?: TrustRequirement;
  /**
   * Longest input, in UTF-8 bytes (default 16 MiB): a longer one is logged as
   * `input.too_large` with its length, SHA-256 and first bytes only.
   */
  maxInputBytes?: number;
}

/** Options of {@link Ledger.replay}. */
export interface ReplayOptions {
  /** Last seq to fold (default: the head). */
  to?: number;
  /** Seqs to leave out. */
  skip?: ReadonlySet<number>;
  /** Start from the newest snapshot instead of from zero (ignored with `skip`). */
  fromSnapshot?: boolean;
  /** Receives every decision the replay takes, in order. */
  onDecision?: (decision: Decision) => void;
  /** Called after each chunk of entries with the last seq folded. */
  onProgress?: (seq: number) => void;
}

/** The result of one accepted input. */
export interface IngestResult {
  /** The seq of the input's own entry. */
  seq: number;
  /** Every entry the input produced (the input and the facts derived from it). */
  seqs: number[];
  kind: string;
  /** Decisions the entries caused. */
  decisions: Decision[];
  /**
   * For a Megolm room event that decrypted: its plaintext, for the caller only (never
   * logged), whatever the rules decided about it (see `decisions`); `decryptRoomEvent`
   * withholds what a client must not show.
   */
  plaintext?: RoomEventPlaintext;
}

/** Entries of a range: async-iterable (streamed), or awaited as an array. */
export interface EntryRange extends AsyncIterable<LedgerEntry>, PromiseLike<LedgerEntry[]> {}

/** One input's outcome in {@link Ledger.ingestMany}. */
export type IngestOutcome = ({ ok: true } & IngestResult) | { ok: false; error: InputDecodeError };

/** One call waiting for the writer: inputs to log, or vault operations alone. */
interface Request {
  inputs: readonly unknown[];
  ops?: BatchOp[];
  sync: boolean;
  resolve(outcomes: IngestOutcome[]): void;
  reject(err: unknown): void;
}

/** A batch encoded and folded, on its way to the disk. */
interface Built {
  batch: Request[];
  sync: boolean;
  ops: BatchOp[];
  entries: LedgerEntry[];
  decisions: Decision[];
  outcomes: IngestOutcome[][];
  /** Megolm keys this batch puts in the vault. */
  keySeqs: number[];
  /** The state after this batch. */
  state: LedgerState;
  /** Resolves to null once written, or to the write's error. */
  written: Promise<unknown>;
}

/**
 * Entry kinds that cannot change what ingestion reads from the state (Olm sessions seen,
 * Megolm sessions stored): they may wait to be folded until the end of their batch.
 */
const INGESTION_NEUTRAL: ReadonlySet<string> = new Set(['room_event', 'megolm_decrypted', 'megolm_undecryptable', 'rejected_input', 'backup_version']);

/** Batches in a row whose write failed before the store counts as broken (the ledger then closes itself). */
const BROKEN_AFTER = 3;

/** Inputs folded and written together at most (bounds latency and memory of one batch). */
const MAX_BATCH = 4096;

/** The root-level key prefix of the `log` sublevel: plain puts skip per-op sublevel encoding. */
const LOG_PREFIX = '!log!';

interface LedgerMeta {
  format: 1;
  user_id: string;
  device_id: string;
}

/**
 * Opens a ledger, creating it when `userId` and `deviceId` are given and none exists.
 *
 * On creation the engine makes our device's olm Account, keeps it pickled in the vault
 * and writes the log's first entry (`ledger_created`, our public keys).
 *
 * A ledger is created only in an absent or empty folder; anything else is refused before
 * LevelDB touches it, so a damaged ledger is never replaced by a new one.
 *
 * @throws LedgerNotFoundError when there is no ledger and not enough to create one.
 * @throws LedgerDamagedError when the folder holds something that is not a whole ledger
 *   (LevelDB files without `CURRENT`, other files), or a writable open finds its log unreadable.
 * @throws StoreMissingFileError, StoreFullError, StoreReadOnlyError, CorruptStoreError:
 *   what is wrong with the LevelDB folder, by name.
 * @throws LedgerLockedError when another process has it open.
 * @throws LedgerIdentityMismatchError when it belongs to another user or device.
 * @throws VaultKeyError when the store key is missing or wrong.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const readOnly = options.readOnly ?? false;
  const canCreate = !readOnly && options.userId !== undefined && options.deviceId !== undefined;
  // A ledger about to be created: its vault's protection is a choice made before anything is written.
  if (canCreate && (await inspectFolder(options.path)) !== 'leveldb') assertVaultChoice(options);
  const olm = await loadOlm();
  const store = await LedgerStore.open(options.path, canCreate);
  try {
    return await Ledger.start(store, olm, options, readOnly);
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Creating a ledger without a store key must say so (`unencryptedVault: true`). */
function assertVaultChoice(options: LedgerOptions): void {
  if (options.storeKey === undefined && options.unencryptedVault !== true) throw new StoreKeyRequiredError(options.path);
}

/**
 * An open ledger: the append-only log of everything a client received, the projected
 * state, and the decisions taken on it. Get one from {@link openLedger}.
 */
export class Ledger {
  private state_: LedgerState;
  private durableState: LedgerState;
  private head: { seq: number; hash: string };
  private durableHead: { seq: number; hash: string };
  private lastSnapshotSeq: number;
  private queue: Request[] = [];
  private writing: Promise<void> | null = null;
  /** Set once the store is known broken: every later call gets it (the ledger closed itself). */
  private failure: LedgerWriteError | null = null;
  /** Batches in a row whose write failed. */
  private failedWrites = 0;
  private closed = false;
  /**
   * Why the log could not be read to its end (read-only opens only), or null. The state
   * is as of the last readable entry; `verify()` says what is wrong.
   */
  damaged: string | null = null;
  /** Decisions of a read-only ledger rebuilt under newer slice versions (not persisted). */
  private memoryDecisions: Decision[] | null = null;
  /** Answers room events given again from the log. */
  private repeats: RoomEventRepeats | null = null;

  private readonly entriesSubject = new Subject<LedgerEntry>();
  private readonly decisionsSubject = new Subject<Decision>();
  private readonly stateSubject: BehaviorSubject<LedgerState>;

  /** Every entry, once it is written (hot; completes on close). */
  readonly entries$: Observable<LedgerEntry>;
  /** Every decision, once its entry is written (hot; completes on close). */
  readonly decisions$: Observable<Decision>;
  /** The state after each written batch; a new subscriber gets the current one (completes on close). */
  readonly state$: Observable<LedgerState>;

  private constructor(
    private readonly store: LedgerStore,
    private readonly crypto: OlmCryptoPort,
    private readonly projector: Projector,
    private readonly account: OwnAccount | null,
    private readonly vault: Vault | null,
    private readonly ingestor: Ingestor | null,
    private readonly options: LedgerOptions,
    readonly readOnly: boolean,
    /** The user and device that own this ledger. */
    readonly owner: { userId: string; deviceId: string; ed25519: string; curve25519: string },
    init: { state: LedgerState; head: { seq: number; hash: string }; lastSnapshotSeq: number },
  ) {
    this.state_ = init.state;
    this.durableState = init.state;
    this.head = init.head;
    this.durableHead = init.head;
    this.lastSnapshotSeq = init.lastSnapshotSeq;
    this.stateSubject = new BehaviorSubject(init.state);
    this.entries$ = this.entriesSubject.asObservable();
    this.decisions$ = this.decisionsSubject.asObservable();
    this.state$ = this.stateSubject.asObservable();
  }

  /** @internal */
  static async start(store: LedgerStore, olm: typeof Olm, options: LedgerOptions, readOnly: boolean): Promise<Ledger> {
    const crypto = new OlmCryptoPort(olm);
    const projector = new Projector(options.slices ?? defaultSlices, crypto);
    const meta = await store.getJson<LedgerMeta>(store.meta, 'ledger');
    try {
      if (meta === undefined) {
        // A LevelDB with keys but no ledger record is not ours to write into.
        if (!(await store.isEmpty())) throw new LedgerDamagedError(store.path, 'a LevelDB that holds data but no ledger record: refusing to create a ledger in it');
        if (readOnly || options.userId === undefined || options.deviceId === undefined) throw new LedgerNotFoundError(store.path);
        return await Ledger.create(store, olm, crypto, projector, options);
      }
      const who = `${meta.user_id} ${meta.device_id}`;
      if (options.userId !== undefined && options.userId !== meta.user_id) throw new LedgerIdentityMismatchError(store.path, `${options.userId} ${options.deviceId ?? ''}`.trim(), who);
      if (options.deviceId !== undefined && options.deviceId !== meta.device_id) throw new LedgerIdentityMismatchError(store.path, `${options.userId ?? meta.user_id} ${options.deviceId}`, who);
      let account: OwnAccount | null = null;
      let vault: Vault | null = null;
      // Read-only with a store key: the vault opens (to reveal sealed secrets on request),
      // the account stays closed.
      if (readOnly && options.storeKey !== undefined) vault = (await Vault.open(store, options.storeKey)).vault;
      if (!readOnly) {
        vault = (await Vault.open(store, options.storeKey)).vault;
        const pickle = await vault.get('account');
        if (pickle === undefined) throw new LedgerNotFoundError(store.path);
        account = OwnAccount.unpickle(olm, meta.user_id, meta.device_id, pickle);
      }
      const genesis = (await store.entries(0, 0).next().catch(() => ({ value: undefined }))).value?.[0] as LedgerEntry<string, LedgerCreatedPayload> | undefined;
      const keys = genesis?.kind === 'ledger_created' ? genesis.payload.keys : account?.identityKeys() ?? { ed25519: '', curve25519: '' };
      const owner = { userId: meta.user_id, deviceId: meta.device_id, ...keys };
      let init: Awaited<ReturnType<typeof recoverState>>;
      try {
        init = await recoverState(store, projector, readOnly);
      } catch (err) {
        if (err instanceof UnreadableEntriesError) throw new LedgerDamagedError(store.path, `${err.message}: nothing may be appended to it (open it read-only, or run \`keyledger verify\`)`, [], err);
        throw err;
      }
      const ingestor = account && vault ? await Ingestor.load(olm, account, vault) : null;
      const ledger = new Ledger(store, crypto, projector, account, vault, ingestor, options, readOnly, owner, init.init);
      ledger.memoryDecisions = init.memoryDecisions;
      ledger.damaged = init.damaged;
      if (init.rebuilt && !readOnly) await ledger.writeSnapshot(ledger.durableState, ledger.durableHead);
      return ledger;
    } catch (err) {
      crypto.free();
      throw err;
    }
  }

  private static async create(store: LedgerStore, olm: typeof Olm, crypto: OlmCryptoPort, projector: Projector, options: LedgerOptions): Promise<Ledger> {
    const userId = options.userId!;
    const deviceId = options.deviceId!;
    assertVaultChoice(options);
    const { vault, setup } = await Vault.open(store, options.storeKey);
    const account = OwnAccount.create(olm, userId, deviceId);
    const keys = account.identityKeys();
    const now = options.now ?? Date.now;
    const payload: LedgerCreatedPayload = { user_id: userId, device_id: deviceId, keys, engine_version: ENGINE_VERSION };
    const { entry: genesis, text: genesisText } = encodeEntry(0, now(), 'ledger_created', canonicalJson(payload), payload, GENESIS_PREV_HASH);
    const decisions: Decision[] = [];
    const state = projector.fold(projector.initial(), [genesis], decisions);
    const meta: LedgerMeta = { format: 1, user_id: userId, device_id: deviceId };
    await store.write(
      [
        ...setup,
        vault.putOp('account', account.pickle()),
        { type: 'put', sublevel: store.meta, key: 'ledger', value: JSON.stringify(meta) } as BatchOp,
        { type: 'put', sublevel: store.log, key: seqKey(0), value: genesisText } as BatchOp,
        ...decisionPuts(store, decisions),
      ],
      true,
    );
    const head = { seq: 0, hash: genesis.hash };
    const ingestor = await Ingestor.load(olm, account, vault);
    return new Ledger(store, crypto, projector, account, vault, ingestor, options, false, { userId, deviceId, ...keys }, { state, head, lastSnapshotSeq: -1 });
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
    const [outcome] = await this.submit([input], this.options.durability === 'sync');
    if (!outcome!.ok) throw outcome!.error;
    const { ok: _ok, ...result } = outcome!;
    return result;
  }

  /** {@link Ledger.ingestMany} for untyped inputs (objects or JSON text): one atomic batch, one outcome each. */
  async ingestManyUnknown(inputs: readonly unknown[]): Promise<IngestOutcome[]> {
    return this.submit(inputs, this.options.durability === 'sync');
  }

  private submit(inputs: readonly unknown[], sync: boolean): Promise<IngestOutcome[]> {
    this.assertWritable();
    // Serialised now: what is logged is what the caller passed, not what it became later.
    const texts = inputs.map((input) => serialiseInput(input, this.options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES));
    return new Promise<IngestOutcome[]>((resolve, reject) => {
      this.queue.push({ inputs: texts, sync, resolve, reject });
      this.writing ??= this.drain();
    });
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
    const state = this.durableState;
    this.repeats ??= new RoomEventRepeats(this.store.log, this.store.unclean, this.ingestor!, (fromSeq, toSeq) => this.decisions({ fromSeq, toSeq }));
    const repeat = await this.repeats.answer(state, roomId, event);
    if (repeat !== null) return describeRoomEvent(state, roomId, event, { result: repeat, ...how, repeated: true });
    const result = await this.ingestUnknown({ kind: 'room_event', room_id: roomId, event, ...(receivedAt !== undefined ? { received_at: receivedAt } : {}) });
    return describeRoomEvent(this.durableState, roomId, event, { result, ...how, repeated: false });
  }

  /**
   * The single writer. Requests queued in the same tick are encoded, folded (one immer
   * `produce`) and written as one LevelDB batch; a `sync` request is a batch of its own,
   * fsynced. Batches are written one at a time, in order, so a later batch is never on
   * disk without an earlier one; the next batch is encoded while the previous one is
   * being written (LevelDB writes on libuv's thread pool), which keeps both cores busy.
   */
  private async drain(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    let inflight: Built | null = null;
    for (;;) {
      let next = this.queue.length > 0 ? await this.buildNext() : null;
      if (inflight !== null && !(await this.finish(inflight)) && next !== null) {
        // `next` is chained on entries that never reached the disk: it cannot be written either.
        this.abandon(next, new LedgerWriteError(new Error('an earlier batch, which this one follows, was not written')));
        next = null;
      }
      inflight = null;
      if (next !== null) {
        next.written = this.store.write(next.ops, next.sync).then(
          () => null,
          (err: unknown) => err,
        );
        inflight = next;
      } else if (this.queue.length === 0) {
        break;
      }
    }
    this.writing = null;
    if (this.failure !== null) await this.shutDown();
  }

  /**
   * Takes the next batch off the queue and builds it; null if it failed (its callers get
   * the error, the in-memory state goes back to before it, and the next batch goes on).
   */
  private async buildNext(): Promise<Built | null> {
    const batch = this.takeBatch();
    const before = { head: this.head, state: this.state_ };
    try {
      if (this.failure) throw this.failure;
      const built = await this.build(batch);
      return { batch, sync: batch.some((r) => r.sync), written: Promise.resolve(null), ...built, state: this.state_ };
    } catch (err) {
      this.head = before.head;
      this.state_ = before.state;
      this.ingestor?.forgetAfter(before.head.seq);
      const error = err instanceof LedgerWriteError ? err : new LedgerWriteError(err);
      for (const r of batch) r.reject(error);
      return null;
    }
  }

  /** Answers a built batch's callers with `err` and takes the in-memory state back to the disk's. */
  private abandon(built: Built, err: LedgerWriteError): void {
    this.head = this.durableHead;
    this.state_ = this.durableState;
    this.ingestor?.forgetAfter(this.durableHead.seq);
    for (const r of built.batch) r.reject(err);
  }

  /**
   * Waits for a batch's write, then answers its callers and tells the streams. False when
   * the write failed: its callers get the error, and the ledger goes on from what is on
   * disk, unless the store is broken (closed under us, or failing batch after batch).
   */
  private async finish(built: Built): Promise<boolean> {
    const err = await built.written;
    if (err !== null || this.failure) {
      const error = this.failure ?? new LedgerWriteError(err);
      this.abandon(built, error);
      this.failedWrites++;
      if (this.failure === null && (this.failedWrites >= BROKEN_AFTER || this.store.db.status !== 'open')) {
        this.failure = new LedgerWriteError(new Error(`the store is broken (${error.message}): the ledger closed itself; reopen it to go on from what was written`));
      }
      return false;
    }
    this.failedWrites = 0;
    this.ingestor?.written(built.keySeqs);
    const last = built.entries[built.entries.length - 1];
    if (last !== undefined) this.durableHead = { seq: last.seq, hash: last.hash };
    this.durableState = built.state;
    built.batch.forEach((r, i) => r.resolve(built.outcomes[i]!));
    for (const e of built.entries) this.entriesSubject.next(e);
    for (const d of built.decisions) this.decisionsSubject.next(d);
    this.stateSubject.next(this.durableState);
    const every = this.options.snapshotEvery ?? 10_000;
    if (this.durableHead.seq - this.lastSnapshotSeq >= every) {
      await this.writeSnapshot(this.durableState, this.durableHead).catch(() => undefined);
    }
    return true;
  }

  private takeBatch(): Request[] {
    const first = this.queue.shift()!;
    if (first.sync || first.ops) return [first];
    const batch = [first];
    let size = first.inputs.length;
    while (this.queue.length > 0 && !this.queue[0]!.sync && !this.queue[0]!.ops && size < MAX_BATCH) {
      const next = this.queue.shift()!;
      size += next.inputs.length;
      batch.push(next);
    }
    return batch;
  }

  /** Seals a secret for the log with the store key; null (not logged) without one. */
  private readonly sealSecret: SecretSealer = (plaintext, field) => (this.vault?.encrypted ? this.vault.sealForLog(plaintext, field) : null);

  /**
   * Encodes, chains and folds a batch; returns what to write and what to answer. An input's
   * facts (from the ingestor) follow it directly; the state an ingestion step reads has
   * everything before that input folded in.
   */
  private async build(batch: readonly Request[]) {
    const now = this.options.now ?? Date.now;
    const ops: BatchOp[] = [];
    const entries: LedgerEntry[] = [];
    const decisions: Decision[] = [];
    const keySeqs: number[] = [];
    let unfolded = 0;
    // Ingestion reads Olm and Megolm session state; room events and their facts never
    // change it, so a run of them is folded once, at the end of the batch, instead of one
    // immer produce per event (a third of the cost of decrypting a room event).
    let mustFold = false;
    const stateNow = () => {
      if (mustFold) {
        this.state_ = this.projector.fold(this.state_, entries.slice(unfolded), decisions);
        unfolded = entries.length;
        mustFold = false;
      }
      return this.state_;
    };
    const append = (receivedAt: number, kind: string, payloadText: string, payload: unknown): LedgerEntry => {
      const { entry, text } = encodeEntry(this.head.seq + 1, receivedAt, kind, payloadText, payload, this.head.hash);
      this.head = { seq: entry.seq, hash: entry.hash };
      entries.push(entry);
      mustFold ||= !INGESTION_NEUTRAL.has(kind);
      ops.push({ type: 'put', key: LOG_PREFIX + seqKey(entry.seq), value: text } as BatchOp);
      return entry;
    };
    const perInput: { first: number; last: number; plaintext?: RoomEventPlaintext }[][] = [];
    for (const request of batch) {
      if (request.ops) ops.push(...request.ops);
      const mine: { first: number; last: number; plaintext?: RoomEventPlaintext }[] = [];
      for (const input of request.inputs) {
        // Where this input starts, to take back what it appended if ingestion fails on it.
        const mark: { head: { seq: number; hash: string }; state: LedgerState; unfolded: number; mustFold: boolean } = { head: this.head, state: this.state_, unfolded, mustFold };
        const lengths = { entries: entries.length, ops: ops.length, decisions: decisions.length, keySeqs: keySeqs.length };
        let p: ReturnType<typeof prepareInput> | undefined;
        try {
          p = prepareInput(input, now, this.sealSecret, { maxBytes: this.options.maxInputBytes });
          const entry = append(p.receivedAt, p.kind, p.payloadText, p.payload);
          const pending = p.envelope && this.ingestor ? this.ingestor.derive(p.envelope, entry.seq, stateNow) : null;
          const derived = pending instanceof Promise ? await pending : pending;
          if (derived) {
            for (const fact of derived.facts) {
              // Folded as a replay reads it back: parsed from the text that is logged.
              const text = canonicalJson(fact.payload);
              append(p.receivedAt, fact.kind, text, JSON.parse(text));
            }
            ops.push(...derived.ops);
            keySeqs.push(...derived.keySeqs);
          }
          mine.push({ first: entry.seq, last: this.head.seq, ...(derived?.plaintext ? { plaintext: derived.plaintext } : {}) });
        } catch (err) {
          // The engine failed on this input (a bug: bad input is rejected in prepareInput).
          // What it appended is taken back, and it is logged on its own as rejected, so
          // the other inputs of the batch, and the batches after it, go on.
          this.head = mark.head;
          this.state_ = mark.state;
          unfolded = mark.unfolded;
          mustFold = mark.mustFold;
          entries.length = lengths.entries;
          ops.length = lengths.ops;
          decisions.length = lengths.decisions;
          keySeqs.length = lengths.keySeqs;
          this.ingestor?.forgetAfter(mark.head.seq);
          const failed = rejected(p?.payloadText ?? '', '', `the engine failed on this input: ${String((err as Error)?.message ?? err).slice(0, 200)}`, p?.receivedAt ?? now(), this.sealSecret, {
            code: 'engine.ingest_failed',
          });
          const entry = append(failed.receivedAt, failed.kind, failed.payloadText, failed.payload);
          mine.push({ first: entry.seq, last: entry.seq });
        }
      }
      perInput.push(mine);
    }
    if (unfolded < entries.length) {
      this.state_ = this.projector.fold(this.state_, entries.slice(unfolded), decisions);
      unfolded = entries.length;
    }
    ops.push(...decisionPuts(this.store, decisions));
    ops.push(...uncleanEventPuts(entries, decisions));
    const bySeq = new Map<number, Decision[]>();
    for (const d of decisions) {
      const list = bySeq.get(d.seq);
      if (list) list.push(d);
      else bySeq.set(d.seq, [d]);
    }
    const firstSeq = entries[0]?.seq ?? 0;
    const outcomes = perInput.map((inputs) =>
      inputs.map(({ first, last, plaintext }): IngestOutcome => {
        const entry = entries[first - firstSeq]!;
        if (entry.kind === 'rejected_input') {
          const p = entry.payload as RejectedInputPayload;
          return { ok: false, error: new InputDecodeError(entry.seq, p.path, p.message, p.code) };
        }
        const seqs: number[] = [];
        const own: Decision[] = [];
        for (let s = first; s <= last; s++) {
          seqs.push(s);
          own.push(...(bySeq.get(s) ?? []));
        }
        return { ok: true, seq: first, seqs, kind: entry.kind, decisions: own, ...(plaintext ? { plaintext } : {}) };
      }),
    );
    return { outcomes, ops, entries, decisions, keySeqs };
  }

  /** Signs and stores a snapshot (checkpoint) of `state` at `head`. */
  private async writeSnapshot(state: LedgerState, head: { seq: number; hash: string }): Promise<void> {
    if (this.account === null || head.seq < 0) return;
    const header = {
      seq: head.seq,
      headHash: head.hash,
      stateHash: stateHash(state),
      versions: this.projector.versions,
      userId: this.owner.userId,
      deviceId: this.owner.deviceId,
    };
    const snapshot: Snapshot = {
      ...header,
      engineVersion: ENGINE_VERSION,
      signer: this.owner.ed25519,
      signature: this.account.sign(checkpointMessage(header)),
      state,
    };
    await this.store.write([snapshotPut(this.store, snapshot), ...(await snapshotsToPrune(this.store, head.seq, this.options.keepSnapshots ?? 3))], false);
    this.lastSnapshotSeq = head.seq;
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
    await new Promise<IngestOutcome[]>((resolve, reject) => {
      this.queue.push({ inputs: [], ops: [this.vault!.putOp('account', account.pickle())], sync: true, resolve, reject });
      this.writing ??= this.drain();
    });
    return body;
  }

  private requireAccount(): OwnAccount {
    this.assertWritable();
    return this.account!;
  }

  // ---- reading ------------------------------------------------------------------------

  /** The state after the last written entry. */
  state(): LedgerState {
    this.assertOpen();
    return this.durableState;
  }

  /** The seq of the last written entry. */
  headSeq(): number {
    return this.durableHead.seq;
  }

  /** SHA-256 of the canonical JSON of a state (default: the current one). */
  stateHash(state: LedgerState = this.state()): string {
    return stateHash(state);
  }

  /** The slice versions this engine folds with. */
  sliceVersions(): SliceVersions {
    return this.projector.versions;
  }

  /**
   * The state right after entry `seq`: from the newest snapshot at or before it, plus
   * the entries in between (never a replay from zero when a snapshot exists).
   */
  async stateAt(seq: number): Promise<LedgerState> {
    this.assertOpen();
    if (seq >= this.durableHead.seq) return this.durableState;
    if (seq < 0) return this.projector.initial();
    const snapshot = await latestSnapshot(this.store.snap, this.projector.versions, seq);
    let state = snapshot?.state ?? this.projector.initial();
    for await (const chunk of this.store.entries((snapshot?.seq ?? -1) + 1, seq)) state = this.projector.fold(state, chunk);
    return state;
  }

  /**
   * Replays the log with this engine's reducers, from the start (or from the newest
   * snapshot when `fromSnapshot`), without touching the ledger: the basis of what-if and
   * rejudge analysis. `skip` leaves entries out, as if they had never arrived.
   */
  async replay(options: ReplayOptions = {}): Promise<{ state: LedgerState; entries: number; headSeq: number }> {
    this.assertOpen();
    const to = Math.min(options.to ?? Number.MAX_SAFE_INTEGER, this.durableHead.seq);
    const snapshot = options.fromSnapshot && options.skip === undefined ? await latestSnapshot(this.store.snap, this.projector.versions, to) : undefined;
    let state = snapshot?.state ?? this.projector.initial();
    let count = 0;
    let headSeq = snapshot?.seq ?? -1;
    const decisions: Decision[] | undefined = options.onDecision ? [] : undefined;
    for await (let chunk of this.store.entries((snapshot?.seq ?? -1) + 1, to)) {
      if (options.skip) chunk = chunk.filter((e) => !options.skip!.has(e.seq));
      state = this.projector.fold(state, chunk, decisions);
      if (decisions) {
        for (const d of decisions) options.onDecision!(d);
        decisions.length = 0;
      }
      count += chunk.length;
      if (chunk.length > 0) headSeq = chunk[chunk.length - 1]!.seq;
      options.onProgress?.(headSeq);
    }
    return { state, entries: count, headSeq };
  }

  /** Re-folds entries from a given state without touching the ledger (what-if analysis). */
  fold(state: LedgerState, entries: readonly LedgerEntry[], decisions?: Decision[]): LedgerState {
    return this.projector.fold(state, entries, decisions);
  }

  /** The initial (empty) state of every slice. */
  initialState(): LedgerState {
    return this.projector.initial();
  }

  /** Decisions in log order, narrowed by `filter`. */
  async decisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    this.assertOpen();
    if (this.memoryDecisions !== null) return this.memoryDecisions.filter((d) => matches(d, filter));
    return readDecisions(this.store, filter);
  }

  /**
   * Decisions in log order, narrowed by `filter`, one at a time (for `for await`): memory
   * stays bounded whatever their number, where {@link decisions} collects them.
   */
  async *streamDecisions(filter: DecisionFilter = {}): AsyncGenerator<Decision> {
    this.assertOpen();
    if (this.memoryDecisions !== null) {
      for (const d of this.memoryDecisions) if (matches(d, filter)) yield d;
      return;
    }
    yield* iterateDecisions(this.store, filter);
  }

  /**
   * Decisions as they were taken when each entry was written, whatever the rules since
   * (`decisions` follows the current rules). Empty for ledgers written before they were kept.
   */
  async recordedDecisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    this.assertOpen();
    return readDecisions(this.store, filter, 'recorded');
  }

  /**
   * An entry with the secrets it keeps sealed put back (for an export the user asked to
   * include secrets in). Needs the ledger opened with its store key.
   *
   * @throws VaultKeyError without the store key, or with a wrong one.
   */
  revealSecrets(entry: LedgerEntry): LedgerEntry {
    const vault = this.vault;
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
    const to = Math.min(range.to ?? Number.MAX_SAFE_INTEGER, this.durableHead.seq);
    const store = this.store;
    async function* read(): AsyncGenerator<LedgerEntry> {
      for await (const chunk of store.entries(range.from ?? 0, to, range.onUnreadable)) {
        for (const e of chunk) {
          let plain: LedgerEntry;
          try {
            plain = toPlain(e);
          } catch (err) {
            // A payload that read back changed (LevelDB does not check block checksums on
            // reads) is no longer JSON: the entry is unreadable.
            if (!(err instanceof SyntaxError)) throw err;
            const gap = { first: e.seq, last: e.seq, unreadable: true, cause: err };
            if (range.onUnreadable === undefined) throw store.unreadable(gap);
            range.onUnreadable(gap);
            continue;
          }
          yield plain;
        }
      }
    }
    return {
      [Symbol.asyncIterator]: read,
      then(onFulfilled, onRejected) {
        return (async () => {
          const all: LedgerEntry[] = [];
          for await (const e of read()) all.push(e);
          return all;
        })().then(onFulfilled, onRejected);
      },
    };
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
    await this.writing;
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
    await this.writing;
    // (No key when the genesis entry could not be read: the checkpoints then name it.)
    return verifyLedger(this.store, this.projector, this.crypto, { ...options, expectedSigner: options.expectedSigner ?? (this.owner.ed25519 || undefined) });
  }

  /**
   * Writes what is pending, stores a final signed snapshot, frees the olm objects and
   * closes the store. The rxjs streams complete.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing) await this.writing;
    this.closed = true;
    try {
      if (!this.readOnly && this.failure === null && this.durableHead.seq > this.lastSnapshotSeq) {
        await this.writeSnapshot(this.durableState, this.durableHead);
      }
    } finally {
      this.ingestor?.free();
      this.account?.free();
      this.crypto.free();
      await this.store.close();
      this.entriesSubject.complete();
      this.decisionsSubject.complete();
      this.stateSubject.complete();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw this.failure ?? new LedgerClosedError();
  }

  /** Closes a ledger whose store is broken (after the writer stopped): later calls get why. */
  private async shutDown(): Promise<void> {
    for (const r of this.queue.splice(0)) r.reject(this.failure);
    await this.close().catch(() => undefined);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new LedgerReadOnlyError();
    if (this.failure) throw this.failure;
    const damage = this.store.damage;
    if (damage) throw new LedgerDamagedError(this.store.path, `the log is damaged (${damage.message}): nothing more is appended to it`, [], damage);
  }
}
