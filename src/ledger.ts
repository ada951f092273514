import type Olm from '@matrix-org/olm';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeEnvelope, type Envelope } from '../events/envelope.js';
import { GENESIS_PREV_HASH, type LedgerCreatedPayload, type LedgerEntry, type RejectedInputPayload, type UnsealedEntry } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import { defaultSlices } from '../projections/index.js';
import type { AnySlice } from '../projections/slice.js';
import { OwnAccount, type KeysUploadBody, type SignedDeviceKeys } from './account.js';
import { OlmCryptoPort } from './crypto/port.js';
import { loadOlm } from './crypto/olm.js';
import { decisionPuts, matches, readDecisions, type DecisionFilter } from './decision-store.js';
import {
  InputDecodeError,
  LedgerClosedError,
  LedgerIdentityMismatchError,
  LedgerNotFoundError,
  LedgerReadOnlyError,
  LedgerWriteError,
} from './errors.js';
import { seal, seqKey } from './log/entry-hash.js';
import { LedgerStore, type BatchOp } from './log/store.js';
import { Projector, stateHash, type LedgerState, type SliceVersions } from './runtime/projector.js';
import { checkpointMessage, latestSnapshot, snapshotPut, type Snapshot } from './snapshots.js';
import { Vault } from './vault.js';
import { verifyLedger, type VerifyOptions, type VerifyReport } from './verify.js';
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
  /** Write a signed snapshot every this many entries (default 10,000) and on close. */
  snapshotEvery?: number;
  /** The clock that stamps entries without `received_at` (tests pass a fixed one). */
  now?: () => number;
  /** Slices to fold, in order (default: every slice keyledger ships). */
  slices?: readonly AnySlice[];
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
}

/** One input's outcome in {@link Ledger.ingestMany}. */
export type IngestOutcome = ({ ok: true } & IngestResult) | { ok: false; error: InputDecodeError };

interface Group {
  ops: BatchOp[];
  entries: LedgerEntry[];
  decisions: Decision[];
  state: LedgerState;
  sync: boolean;
  waiters: { resolve(): void; reject(err: unknown): void }[];
}

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
 * @throws LedgerNotFoundError when there is no ledger and not enough to create one.
 * @throws LedgerLockedError when another process has it open.
 * @throws LedgerIdentityMismatchError when it belongs to another user or device.
 * @throws VaultKeyError when the store key is missing or wrong.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const readOnly = options.readOnly ?? false;
  const canCreate = !readOnly && options.userId !== undefined && options.deviceId !== undefined;
  const exists = LedgerStore.exists(options.path);
  if (!exists && !canCreate) throw new LedgerNotFoundError(options.path);
  const olm = await loadOlm();
  const store = await LedgerStore.open(options.path, canCreate);
  try {
    return await Ledger.start(store, olm, options, readOnly);
  } catch (err) {
    await store.close();
    throw err;
  }
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
  private groups: Group[] = [];
  private writing: Promise<void> | null = null;
  private failure: LedgerWriteError | null = null;
  private closed = false;
  /** Decisions of a read-only ledger rebuilt under newer slice versions (not persisted). */
  private memoryDecisions: Decision[] | null = null;

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
      if (meta === undefined) return await Ledger.create(store, olm, crypto, projector, options);
      const who = `${meta.user_id} ${meta.device_id}`;
      if (options.userId !== undefined && options.userId !== meta.user_id) throw new LedgerIdentityMismatchError(store.path, `${options.userId} ${options.deviceId ?? ''}`.trim(), who);
      if (options.deviceId !== undefined && options.deviceId !== meta.device_id) throw new LedgerIdentityMismatchError(store.path, `${options.userId ?? meta.user_id} ${options.deviceId}`, who);
      let account: OwnAccount | null = null;
      let vault: Vault | null = null;
      if (!readOnly) {
        vault = (await Vault.open(store, options.storeKey)).vault;
        const pickle = await vault.get('account');
        if (pickle === undefined) throw new LedgerNotFoundError(store.path);
        account = OwnAccount.unpickle(olm, meta.user_id, meta.device_id, pickle);
      }
      const genesis = (await store.entries(0, 0).next()).value?.[0] as LedgerEntry<string, LedgerCreatedPayload> | undefined;
      const keys = genesis?.kind === 'ledger_created' ? genesis.payload.keys : account?.identityKeys() ?? { ed25519: '', curve25519: '' };
      const owner = { userId: meta.user_id, deviceId: meta.device_id, ...keys };
      const init = await Ledger.recover(store, projector, readOnly);
      const ledger = new Ledger(store, crypto, projector, account, vault, options, readOnly, owner, init.init);
      ledger.memoryDecisions = init.memoryDecisions;
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
    const { vault, setup } = await Vault.open(store, options.storeKey);
    const account = OwnAccount.create(olm, userId, deviceId);
    const keys = account.identityKeys();
    const now = options.now ?? Date.now;
    const payload: LedgerCreatedPayload = { user_id: userId, device_id: deviceId, keys, engine_version: ENGINE_VERSION };
    const genesis = seal({ receivedAt: now(), kind: 'ledger_created', payload }, 0, GENESIS_PREV_HASH);
    const decisions: Decision[] = [];
    const state = projector.fold(projector.initial(), [genesis], decisions);
    const meta: LedgerMeta = { format: 1, user_id: userId, device_id: deviceId };
    await store.write(
      [
        ...setup,
        vault.putOp('account', account.pickle()),
        { type: 'put', sublevel: store.meta, key: 'ledger', value: JSON.stringify(meta) } as BatchOp,
        { type: 'put', sublevel: store.log, key: seqKey(0), value: JSON.stringify(genesis) } as BatchOp,
        ...decisionPuts(store, decisions),
      ],
      true,
    );
    const head = { seq: 0, hash: genesis.hash };
    return new Ledger(store, crypto, projector, account, vault, options, false, { userId, deviceId, ...keys }, { state, head, lastSnapshotSeq: -1 });
  }

  /** Rebuilds the state from the newest usable snapshot plus the log's tail. */
  private static async recover(store: LedgerStore, projector: Projector, readOnly: boolean) {
    const snapshot = await latestSnapshot(store.snap, projector.versions);
    let state = snapshot?.state ?? projector.initial();
    let head = snapshot ? { seq: snapshot.seq, hash: snapshot.headHash } : { seq: -1, hash: GENESIS_PREV_HASH };
    // Without a snapshot under today's slice versions the persisted decisions were taken
    // by other reducers: a writable ledger rebuilds them, a read-only one keeps them in memory.
    const rebuild = snapshot === undefined;
    const memoryDecisions: Decision[] | null = rebuild && readOnly ? [] : null;
    if (rebuild && !readOnly) await store.decisions.clear();
    for await (const chunk of store.entries(head.seq + 1)) {
      const decisions: Decision[] = [];
      state = projector.fold(state, chunk, rebuild ? decisions : undefined);
      if (rebuild && readOnly) memoryDecisions!.push(...decisions);
      if (rebuild && !readOnly && decisions.length > 0) await store.write(decisionPuts(store, decisions), false);
      const last = chunk[chunk.length - 1]!;
      head = { seq: last.seq, hash: last.hash };
    }
    return { init: { state, head, lastSnapshotSeq: snapshot?.seq ?? -1 }, rebuilt: rebuild && head.seq >= 0, memoryDecisions };
  }

  // ---- ingestion ----------------------------------------------------------------------

  /**
   * Appends one input (an envelope object, or its JSON text) to the log and folds it.
   * Resolves once the input and every fact derived from it are written, in one batch.
   *
   * @throws InputDecodeError when the input is not a valid envelope; it is still logged,
   *   as a `rejected_input` entry whose seq the error carries.
   * @throws LedgerReadOnlyError, LedgerClosedError, LedgerWriteError.
   */
  async ingest(input: unknown): Promise<IngestResult> {
    const [outcome] = await this.ingestMany([input], this.options.durability === 'sync');
    if (!outcome!.ok) throw outcome!.error;
    const { ok: _ok, ...result } = outcome!;
    return result;
  }

  /**
   * Appends many inputs in one atomic batch: after a crash either all of them are in the
   * log or none. Bad inputs do not stop the others: each gets its own outcome.
   */
  async ingestMany(inputs: readonly unknown[], sync = this.options.durability === 'sync'): Promise<IngestOutcome[]> {
    this.assertWritable();
    const now = this.options.now ?? Date.now;
    const entries: LedgerEntry[] = [];
    const outcomes: IngestOutcome[] = [];
    const decisions: Decision[] = [];
    let state = this.state_;
    for (const input of inputs) {
      const unsealed = this.prepare(input, now);
      const sealed: LedgerEntry[] = [];
      for (const u of unsealed) {
        const entry = seal(u, this.head.seq + 1, this.head.hash);
        this.head = { seq: entry.seq, hash: entry.hash };
        sealed.push(entry);
      }
      const own: Decision[] = [];
      state = this.projector.fold(state, sealed, own);
      entries.push(...sealed);
      decisions.push(...own);
      const first = sealed[0]!;
      if (first.kind === 'rejected_input') {
        const p = first.payload as RejectedInputPayload;
        outcomes.push({ ok: false, error: new InputDecodeError(first.seq, p.path, p.message) });
      } else {
        outcomes.push({ ok: true, seq: first.seq, seqs: sealed.map((e) => e.seq), kind: first.kind, decisions: own });
      }
    }
    this.state_ = state;
    const ops: BatchOp[] = entries.map((e) => ({ type: 'put', sublevel: this.store.log, key: seqKey(e.seq), value: JSON.stringify(e) }) as BatchOp);
    ops.push(...decisionPuts(this.store, decisions));
    await this.enqueue({ ops, entries, decisions, state, sync, waiters: [] }, inputs.length === 1 && !sync);
    return outcomes;
  }

  /** Decodes one input into the entries it becomes (never throws). */
  private prepare(input: unknown, now: () => number): UnsealedEntry[] {
    let raw: string;
    let value: unknown;
    try {
      raw = typeof input === 'string' ? input : JSON.stringify(input) ?? String(input);
    } catch (err) {
      return [rejected(String(input), '', `not serialisable as JSON: ${(err as Error).message}`, now())];
    }
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return [rejected(raw, '', `invalid JSON: ${(err as Error).message}`, now())];
    }
    const decoded = decodeEnvelope(value);
    if (isLeft(decoded)) return [rejected(raw, decoded.left.path, decoded.left.message, now())];
    const envelope: Envelope = decoded.right;
    const receivedAt = typeof envelope.received_at === 'number' ? envelope.received_at : now();
    return [{ receivedAt, kind: envelope.kind, payload: envelope }];
  }

  /**
   * Queues a group for writing. Batched, single-input groups merge with the group still
   * waiting, so concurrent ingest calls share one LevelDB batch; writes go one at a time
   * and in order, so a later batch is never on disk without an earlier one.
   */
  private enqueue(group: Group, mergeable: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const last = this.groups[this.groups.length - 1];
      if (mergeable && last !== undefined && !last.sync) {
        last.ops.push(...group.ops);
        last.entries.push(...group.entries);
        last.decisions.push(...group.decisions);
        last.state = group.state;
        last.waiters.push({ resolve, reject });
      } else {
        group.waiters.push({ resolve, reject });
        this.groups.push(group);
      }
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the calls of this tick join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.groups.length > 0) {
      const group = this.groups.shift()!;
      try {
        if (this.failure) throw this.failure;
        await this.store.write(group.ops, group.sync);
      } catch (err) {
        this.failure ??= err instanceof LedgerWriteError ? err : new LedgerWriteError(err);
        for (const w of group.waiters) w.reject(this.failure);
        continue;
      }
      const last = group.entries[group.entries.length - 1];
      if (last !== undefined) this.durableHead = { seq: last.seq, hash: last.hash };
      this.durableState = group.state;
      for (const w of group.waiters) w.resolve();
      for (const e of group.entries) this.entriesSubject.next(e);
      for (const d of group.decisions) this.decisionsSubject.next(d);
      this.stateSubject.next(group.state);
      const every = this.options.snapshotEvery ?? 10_000;
      if (this.durableHead.seq - this.lastSnapshotSeq >= every) {
        await this.writeSnapshot(this.durableState, this.durableHead).catch(() => undefined);
      }
    }
    this.writing = null;
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
    await this.store.write([snapshotPut(this.store, snapshot)], false);
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
    await this.enqueue({ ops: [this.vault!.putOp('account', account.pickle())], entries: [], decisions: [], state: this.state_, sync: true, waiters: [] }, false);
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

  /** Written entries with `from <= seq <= to`, in order. */
  async *entries(range: { from?: number; to?: number } = {}): AsyncGenerator<LedgerEntry> {
    this.assertOpen();
    const to = Math.min(range.to ?? Number.MAX_SAFE_INTEGER, this.durableHead.seq);
    for await (const chunk of this.store.entries(range.from ?? 0, to)) yield* chunk;
  }

  /** Checks the hash chain, the signed checkpoints and the snapshot state hashes. */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    await this.writing;
    return verifyLedger(this.store, this.projector, this.crypto, { ...options, expectedSigner: options.expectedSigner ?? this.owner.ed25519 });
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
      this.account?.free();
      this.crypto.free();
      await this.store.close();
      this.entriesSubject.complete();
      this.decisionsSubject.complete();
      this.stateSubject.complete();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerClosedError();
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new LedgerReadOnlyError();
    if (this.failure) throw this.failure;
  }
}

function rejected(raw: string, path: string, message: string, receivedAt: number): UnsealedEntry<'rejected_input', RejectedInputPayload> {
  return { receivedAt, kind: 'rejected_input', payload: { raw, path, message } };
}
