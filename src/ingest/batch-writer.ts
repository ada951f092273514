/**
 * The single writer of the log. Every input, and every vault-only write, goes through one
 * queue; the inputs queued in the same tick become one batch, built in steps
 * (prepare → derive facts → append → fold → write → answer) and written as one LevelDB
 * batch, so after a crash either a whole batch is in the log or none of it.
 */
import type { LedgerEntry, RejectedInputPayload } from '../../events/entry.js';
import type { Decision } from '../../projections/decision.js';
import type { IngestOutcome } from '../api-types.js';
import { canonicalCopy, canonicalJson } from '../canonical.js';
import { decisionPuts } from '../log/decisions.js';
import { InputDecodeError, LedgerWriteError } from '../errors.js';
import type { LedgerParts } from '../ledger-parts.js';
import type { Checkpointer } from '../log/checkpointer.js';
import { encodeEntry, seqKey } from '../log/entry-codec.js';
import { LOG_PREFIX } from '../log/keys.js';
import type { BatchOp, LedgerStore } from '../log/store.js';
import { uncleanEventPuts } from '../room-event-repeat.js';
import type { LedgerState, Projector } from '../runtime/projector.js';
import type { Derived, Ingestor, RoomEventPlaintext } from './ingestor.js';
import { prepareInput, rejected, type PreparedEntry, type SecretSealer } from './prepare.js';
import type { RequestMaker } from '../outbound/requests.js';

/** The last entry of a chain: its seq and hash. */
export interface Head {
  seq: number;
  hash: string;
}

/** What the writer needs besides the store. */
export interface WriterOptions {
  /** Stamps entries without `received_at`. */
  now: () => number;
  /** Longest input in UTF-8 bytes. */
  maxInputBytes?: number;
  /** A checkpoint every this many entries. */
  snapshotEvery: number;
}

/** What the ledger hears from its writer. */
export interface WriterHooks {
  /** A batch is on disk and its callers are answered. */
  written(entries: readonly LedgerEntry[], decisions: readonly Decision[], state: LedgerState): void;
  /** The store is broken: the writer stopped, and the ledger closes itself. */
  broken(): Promise<void>;
}

/** One call waiting for the writer: inputs to log, or vault operations alone. */
interface Request {
  /** Let go once the batch is built (see {@link BatchWriter.build}). */
  inputs: readonly unknown[];
  ops?: BatchOp[];
  sync: boolean;
  resolve(outcomes: IngestOutcome[]): void;
  reject(err: unknown): void;
}

/** Where one input's entries start and end, and the plaintext the caller gets. */
interface Answer {
  first: number;
  last: number;
  plaintext?: RoomEventPlaintext;
  /** A sync's to-device events, each as an input of its own. */
  parts?: Answer[];
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
  head: Head;
  /** The state after this batch. */
  state: LedgerState;
  /** Resolves to null once written, or to the write's error. */
  written: Promise<unknown>;
}

/**
 * Entry kinds that cannot change what ingestion or the outbound path reads from the state
 * (Olm sessions seen, Megolm sessions stored, our rooms' sessions): they may wait to be
 * folded until the end of their batch. An `encrypt_room_event` changes no state at all
 * (only a refusal is decided on it, and the outbound path reads the same rule from the
 * state before it); its `megolm_encrypted` fact, which counts the message, is folded
 * before the next input reads the state.
 */
const INGESTION_NEUTRAL: ReadonlySet<string> = new Set(['room_event', 'megolm_decrypted', 'megolm_undecryptable', 'rejected_input', 'backup_version', 'encrypt_room_event']);

/** What a built batch holds in place of what it let go (frozen: nothing may be added to them). */
const NO_OPS = Object.freeze([]) as readonly BatchOp[] as BatchOp[];
const NO_INPUTS: readonly unknown[] = Object.freeze([]);

/** Batches in a row whose write failed before the store counts as broken (the ledger then closes itself). */
const BROKEN_AFTER = 3;

/** Inputs prepared before their room events go to the Megolm worker together. */
const POST_EVERY = 32;

/** Entries left unfolded that the batch folds while the Megolm worker is busy (fewer wait for the batch's end). */
const FOLD_WHILE_WAITING = 64;

/**
 * How deep a fact's payload may nest to take the fast path of its encoding: received JSON
 * (bounded at MAX_JSON_DEPTH when it came in) with a few levels of the fact around it.
 * Anything deeper is encoded the general way.
 */
const FACT_MAX_DEPTH = 128;

/** Inputs folded and written together at most (bounds latency and memory of one batch). */
const MAX_BATCH = 4096;

/**
 * One batch being built: the entries appended so far, chained on the head before them,
 * and the state they are folded into. Ingestion reads Olm and Megolm session state; room
 * events and their facts never change it, so a run of them is folded once, at the end of
 * the batch, instead of one immer produce per event (a third of the cost of decrypting a
 * room event).
 */
class BatchBuild {
  readonly ops: BatchOp[] = [];
  readonly entries: LedgerEntry[] = [];
  readonly decisions: Decision[] = [];
  readonly keySeqs: number[] = [];
  private unfolded = 0;
  private mustFold = false;

  constructor(
    public head: Head,
    private state: LedgerState,
    private readonly projector: Projector,
  ) {}

  /** Chains an entry on the head and queues its put. */
  append(receivedAt: number, kind: string, payloadText: string, payload: unknown): LedgerEntry {
    const { entry, text } = encodeEntry(this.head.seq + 1, receivedAt, kind, payloadText, payload, this.head.hash);
    this.head = { seq: entry.seq, hash: entry.hash };
    this.entries.push(entry);
    this.mustFold ||= !INGESTION_NEUTRAL.has(kind);
    this.ops.push({ type: 'put', key: LOG_PREFIX + seqKey(entry.seq), value: text } as BatchOp);
    return entry;
  }

  /** The state as ingestion must read it: everything appended so far that it depends on, folded. */
  readonly stateNow = (): LedgerState => {
    if (this.mustFold) this.fold();
    return this.state;
  };

  /** Folds every entry not folded yet; the state after the whole batch. */
  fold(): LedgerState {
    if (this.unfolded < this.entries.length) {
      this.state = this.projector.fold(this.state, this.entries.slice(this.unfolded), this.decisions);
      this.unfolded = this.entries.length;
    }
    this.mustFold = false;
    return this.state;
  }

  /** Folds what is waiting when there is enough of it to be worth an immer produce; true if it did. */
  foldSome(): boolean {
    if (this.entries.length - this.unfolded < FOLD_WHILE_WAITING) return false;
    this.fold();
    return true;
  }

  /** Where the next input starts, to take back what it appended if the engine fails on it. */
  mark() {
    return {
      head: this.head,
      state: this.state,
      unfolded: this.unfolded,
      mustFold: this.mustFold,
      lengths: { entries: this.entries.length, ops: this.ops.length, decisions: this.decisions.length, keySeqs: this.keySeqs.length },
    };
  }

  rollback(mark: ReturnType<BatchBuild['mark']>): void {
    this.head = mark.head;
    this.state = mark.state;
    this.unfolded = mark.unfolded;
    this.mustFold = mark.mustFold;
    this.entries.length = mark.lengths.entries;
    this.ops.length = mark.lengths.ops;
    this.decisions.length = mark.lengths.decisions;
    this.keySeqs.length = mark.lengths.keySeqs;
  }
}

/** Where an input starts in its batch (see {@link BatchBuild.mark}). */
type Mark = ReturnType<BatchBuild['mark']>;

/** The kind of Olm plaintext the batch's last entry decrypted, or null. */
function lastOlmType(b: BatchBuild): string | null {
  const last = b.entries[b.entries.length - 1]!;
  return last.kind === 'olm_decrypted' ? ((last.payload as { plaintext: { type: string } | null }).plaintext?.type ?? null) : null;
}

/**
 * Batches are written one at a time, in order, so a later batch is never on disk without
 * an earlier one; the next batch is built while the previous one is being written (LevelDB
 * writes on libuv's thread pool), which keeps both cores busy. One failed batch never
 * poisons the writer: its callers get the error, the in-memory state goes back to the
 * disk's, and the next batch goes on; after {@link BROKEN_AFTER} failed writes in a row
 * (or a store closed under it) the store counts as broken and the ledger closes itself.
 */
export class BatchWriter {
  private queue: Request[] = [];
  private writing: Promise<void> | null = null;
  /** The head and state of everything built, written or not. */
  private head: Head;
  private state: LedgerState;
  /** The head and state of what is on disk. */
  private durable: { head: Head; state: LedgerState };
  /** Set once the store is known broken: every later call gets it. */
  private failure_: LedgerWriteError | null = null;
  /** Batches in a row whose write failed. */
  private failedWrites = 0;

  constructor(
    private readonly store: LedgerStore,
    private readonly projector: Projector,
    private readonly ingestor: Ingestor | null,
    private readonly requests: RequestMaker | null,
    private readonly seal: SecretSealer,
    private readonly checkpoints: Checkpointer | null,
    private readonly options: WriterOptions,
    private readonly hooks: WriterHooks,
    init: { state: LedgerState; head: Head },
  ) {
    this.head = init.head;
    this.state = init.state;
    this.durable = { head: init.head, state: init.state };
  }

  /**
   * The writer of a ledger opened from `parts`: a secret for the log is sealed with the
   * store key (without one it is not logged at all); the ledger's clock, bound and
   * checkpoint interval.
   */
  static forLedger(parts: LedgerParts, requests: RequestMaker | null, hooks: WriterHooks): BatchWriter {
    const { vault, options } = parts;
    const seal: SecretSealer = (plaintext, field) => (vault?.encrypted ? vault.sealForLog(plaintext, field) : null);
    const writerOptions = { now: options.now ?? Date.now, maxInputBytes: options.maxInputBytes, snapshotEvery: options.snapshotEvery ?? 10_000 };
    return new BatchWriter(parts.store, parts.projector, parts.ingestor, requests, seal, parts.checkpoints, writerOptions, hooks, parts);
  }

  /** The state after the last written entry. */
  get durableState(): LedgerState {
    return this.durable.state;
  }

  /** The last written entry. */
  get durableHead(): Head {
    return this.durable.head;
  }

  /** Why the store counts as broken, or null. */
  get failure(): LedgerWriteError | null {
    return this.failure_;
  }

  /** Queues inputs (already turned into text or refusals) as one request; resolves once they are written. */
  submit(inputs: readonly unknown[], sync: boolean): Promise<IngestOutcome[]> {
    // (Built here rather than through `enqueue`: one request object per call, no spread.)
    return new Promise<IngestOutcome[]>((resolve, reject) => {
      this.queue.push({ inputs, sync, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Writes vault operations alone, as a batch of their own, fsynced. */
  async writeOps(ops: BatchOp[]): Promise<void> {
    await this.enqueue({ inputs: [], ops, sync: true });
  }

  /** Resolves once nothing is queued or being written. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Answers every queued call with `err` (the ledger is closing under them). */
  rejectQueued(err: unknown): void {
    for (const r of this.queue.splice(0)) r.reject(err);
  }

  private enqueue(request: Omit<Request, 'resolve' | 'reject'>): Promise<IngestOutcome[]> {
    return new Promise<IngestOutcome[]>((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      this.writing ??= this.drain();
    });
  }

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
        // The store has copied the batch (or holds the array itself while it waits to
        // open): letting go of it here frees each entry's text, flattened by the copy,
        // before the write is awaited, instead of keeping it alive into the next GC.
        next.ops = NO_OPS;
        inflight = next;
      } else if (this.queue.length === 0) {
        break;
      }
    }
    this.writing = null;
    if (this.failure_ !== null) await this.hooks.broken();
  }

  /**
   * Takes the next batch off the queue and builds it; null if it failed (its callers get
   * the error, the in-memory state stays as before it, and the next batch goes on).
   */
  private async buildNext(): Promise<Built | null> {
    const batch = this.takeBatch();
    try {
      if (this.failure_) throw this.failure_;
      const built = await this.build(batch);
      this.head = built.head;
      this.state = built.state;
      return built;
    } catch (err) {
      this.ingestor?.forgetAfter(this.head.seq);
      const error = err instanceof LedgerWriteError ? err : new LedgerWriteError(err);
      for (const r of batch) r.reject(error);
      return null;
    }
  }

  private takeBatch(): Request[] {
    const queue = this.queue;
    const first = queue[0]!;
    let end = 1;
    if (!first.sync && !first.ops) {
      let size = first.inputs.length;
      while (end < queue.length && !queue[end]!.sync && !queue[end]!.ops && size < MAX_BATCH) size += queue[end++]!.inputs.length;
    }
    // One splice for the batch (a shift per request moves the rest of the queue each time).
    return end === queue.length ? queue.splice(0) : queue.splice(0, end);
  }

  /**
   * Builds a batch: each input is prepared, its facts derived and both appended (an
   * input's facts follow it directly, and the state an ingestion step reads has
   * everything before that input folded in); then the rest is folded, the decision and
   * index puts join the batch, and each caller's answer is made ready.
   */
  private async build(batch: Request[]): Promise<Built> {
    const b = new BatchBuild(this.head, this.state, this.projector);
    // Every input is prepared first, and the room events among them handed to the Megolm
    // worker a few at a time as they are: it decrypts them while this thread prepares the
    // rest and then folds the ones before.
    const inputs = batch.length === 1 ? batch[0]!.inputs : batch.flatMap((r) => r.inputs);
    const prepared: (PreparedEntry | Error | undefined)[] = [];
    for (let from = 0; from < inputs.length; from += POST_EVERY) {
      const to = Math.min(inputs.length, from + POST_EVERY);
      for (let i = from; i < to; i++) prepared.push(this.prepare(inputs[i]));
      const envelopes = prepared.slice(from, to).map((p) => (p === undefined || p instanceof Error ? undefined : p.envelope));
      const ahead = this.ingestor?.decryptAhead(envelopes, this.state, from === 0);
      // Only a head start: if it fails, each event is decrypted in its turn.
      if (ahead) await ahead.catch(() => undefined);
    }
    const answers: Answer[][] = [];
    let next = 0;
    this.ingestor?.whileWaiting(() => b.foldSome());
    try {
      for (const request of batch) {
        if (request.ops) b.ops.push(...request.ops);
        const mine: Answer[] = [];
        for (let k = 0; k < request.inputs.length; k++, next++) {
          const p = prepared[next]!;
          prepared[next] = undefined;
          const answer = this.ingestOne(b, p);
          mine.push(answer instanceof Promise ? await answer : answer);
        }
        answers.push(mine);
      }
    } finally {
      this.ingestor?.whileWaiting(null);
    }
    const state = b.fold();
    b.ops.push(...decisionPuts(b.decisions), ...uncleanEventPuts(b.entries, b.decisions));
    // The inputs' texts and copies are in the entries now: the callers' requests need only
    // their answers while the batch is written.
    for (const request of batch) request.inputs = NO_INPUTS;
    return {
      batch,
      sync: batch.some((r) => r.sync),
      ops: b.ops,
      entries: b.entries,
      decisions: b.decisions,
      keySeqs: b.keySeqs,
      outcomes: outcomesOf(b, answers),
      head: b.head,
      state,
      written: Promise.resolve(null),
    };
  }

  /**
   * One input: prepared (bad input becomes a `rejected_input` entry there), appended, and
   * followed by the facts the ingestor derives from it. When the engine itself fails on it
   * (a bug), what it appended is taken back and it is logged on its own as rejected, so the
   * other inputs of the batch, and the batches after it, go on.
   *
   * Synchronous unless a step must wait (the Megolm worker, a sync's to-device events, a
   * gossip answer): an async call per input held a frame and two promises for each input
   * of the batch, a tenth of what ingesting an unencrypted room event allocated.
   */
  private ingestOne(b: BatchBuild, prepared: PreparedEntry | Error): Answer | Promise<Answer> {
    const mark = b.mark();
    try {
      if (prepared instanceof Error) throw prepared;
      const appended = prepared.toDevice === undefined ? this.appendInput(b, prepared) : null;
      if (appended === null || appended instanceof Promise) return this.ingestOneAsync(b, prepared, mark, appended);
      this.requestsAfter(b, prepared, appended);
      return this.afterRequests(b, prepared, mark, appended);
    } catch (err) {
      return this.failedInput(b, mark, prepared, err);
    }
  }

  /** {@link ingestOne} for an input whose first step waits: `appended` is its pending answer (null: a sync, appended here). */
  private async ingestOneAsync(b: BatchBuild, p: PreparedEntry, mark: Mark, appended: Promise<Answer> | null): Promise<Answer> {
    try {
      const ready = await (appended ?? this.appendInput(b, p));
      if (p.toDevice !== undefined) {
        // A sync's to-device events: each logged and judged as a lone `to_device` input.
        ready.parts = [];
        for (const event of p.toDevice) {
          const part = prepareInput({ kind: 'to_device', event, received_at: p.receivedAt }, this.options.now, this.seal, { maxBytes: this.options.maxInputBytes });
          ready.parts.push(await this.appendInput(b, part));
        }
      }
      this.requestsAfter(b, p, ready);
      return await this.afterRequests(b, p, mark, ready);
    } catch (err) {
      return this.failedInput(b, mark, p, err);
    }
  }

  /** The end of {@link ingestOne} after its requests: a gossip answer if one is wanted (it waits), then the verification steps. */
  private afterRequests(b: BatchBuild, p: PreparedEntry, mark: Mark, answer: Answer): Answer | Promise<Answer> {
    const olmType = lastOlmType(b);
    if (p.envelope && this.requests?.wantsGossip(p.envelope, olmType)) return this.gossipThenSteps(b, p, mark, answer, olmType);
    this.verificationSteps(b, p, answer);
    answer.last = b.head.seq;
    return answer;
  }

  /** The rest of {@link ingestOne} when a gossip answer is wanted: key and secret requests, their answers, accepted secrets (src/outbound/gossip.ts). */
  private async gossipThenSteps(b: BatchBuild, p: PreparedEntry, mark: Mark, answer: Answer, olmType: string | null): Promise<Answer> {
    try {
      const gossip = p.envelope && this.requests ? await this.requests.gossipAfter(p.envelope, answer.first, b.stateNow, olmType) : null;
      if (gossip !== null) {
        for (const fact of gossip.facts) this.appendFact(b, p.receivedAt, fact);
        b.ops.push(...gossip.ops);
      }
      this.verificationSteps(b, p, answer);
      answer.last = b.head.seq;
      return answer;
    } catch (err) {
      return this.failedInput(b, mark, p, err);
    }
  }

  /** The requests an input calls for (keys to claim, sessions to share, ...), appended after it. */
  private requestsAfter(b: BatchBuild, p: PreparedEntry, answer: Answer): void {
    // A lone to-device event can only call for a request when it wedged a session: the
    // state is not folded for the others (a fold per event would double ingestion's cost).
    const mayCall = p.envelope?.kind !== 'to_device' || b.entries[b.entries.length - 1]!.kind === 'olm_undecryptable';
    const made = p.envelope && this.requests && mayCall ? this.requests.after(p.envelope, answer.first, b.stateNow, b.head.seq, p.receivedAt) : null;
    if (made !== null) {
      for (const fact of made.facts) this.appendFact(b, p.receivedAt, fact);
      b.ops.push(...made.ops);
      b.keySeqs.push(...made.keySeqs);
    }
  }

  /** What verification flows owe after an input that may move one. */
  private verificationSteps(b: BatchBuild, p: PreparedEntry, answer: Answer): void {
    if (!p.envelope || !this.requests || !mayMoveVerification(p.envelope)) return;
    // Each step's facts are folded before the next is asked for (bounded: a flow owes a few things at most).
    for (let i = 0; i < 64; i++) {
      const step = this.requests.verificationStep(b.stateNow(), answer.first, p.receivedAt);
      if (step === null) break;
      for (const fact of step.facts) this.appendFact(b, p.receivedAt, fact);
      b.ops.push(...step.ops);
    }
  }

  /** The engine failed on an input (a bug): what it appended is taken back, and it is logged on its own as rejected. */
  private failedInput(b: BatchBuild, mark: Mark, p: PreparedEntry | Error, err: unknown): Answer {
    b.rollback(mark);
    this.ingestor?.forgetAfter(mark.head.seq);
    const prepared = p instanceof Error ? undefined : p;
    const failed = rejected(
      prepared?.payloadText ?? '',
      '',
      `the engine failed on this input: ${String((err as Error)?.message ?? err).slice(0, 200)}`,
      prepared?.receivedAt ?? this.options.now(),
      this.seal,
      { code: 'engine.ingest_failed' },
    );
    const entry = b.append(failed.receivedAt, failed.kind, failed.payloadText, failed.payload);
    return { first: entry.seq, last: entry.seq };
  }

  /** An input prepared for its entry; the engine's own failure on it (a bug) as an Error, logged when its turn comes. */
  private prepare(input: unknown): PreparedEntry | Error {
    try {
      return prepareInput(input, this.options.now, this.seal, { maxBytes: this.options.maxInputBytes });
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Appends a prepared input and the facts the ingestor derives from it; a promise only when the ingestor must wait. */
  private appendInput(b: BatchBuild, p: PreparedEntry): Answer | Promise<Answer> {
    const entry = b.append(p.receivedAt, p.kind, p.payloadText, p.payload);
    if (p.qrSecret !== undefined) this.requests?.holdQrSecret(entry.seq, p.qrSecret);
    const pending = p.envelope && this.ingestor ? this.ingestor.derive(p.envelope, entry.seq, b.stateNow) : null;
    return pending instanceof Promise ? pending.then((derived) => this.appendDerived(b, p, entry.seq, derived)) : this.appendDerived(b, p, entry.seq, pending);
  }

  /** An input's derived facts appended after it, and its answer. */
  private appendDerived(b: BatchBuild, p: PreparedEntry, seq: number, derived: Derived | null): Answer {
    if (derived) {
      for (const fact of derived.facts) this.appendFact(b, p.receivedAt, fact);
      b.ops.push(...derived.ops);
      b.keySeqs.push(...derived.keySeqs);
    }
    // (No spread of an empty object: every input comes through here.)
    const answer: Answer = { first: seq, last: b.head.seq };
    if (derived?.plaintext) answer.plaintext = derived.plaintext;
    return answer;
  }

  private appendFact(b: BatchBuild, receivedAt: number, fact: { kind: string; payload: unknown }): void {
    // A fact's text and its payload as a replay reads it back, from one sorted copy; a
    // payload off that path (see canonicalCopy) is encoded and read back the general way.
    const fast = canonicalCopy(fact.payload, FACT_MAX_DEPTH);
    if (fast !== null) {
      b.append(receivedAt, fact.kind, fast.text, fast.value);
      return;
    }
    const text = canonicalJson(fact.payload);
    b.append(receivedAt, fact.kind, text, asReadBack(fact.payload, text));
  }

  /** Answers a built batch's callers with `err` and takes the in-memory state back to the disk's. */
  private abandon(built: Built, err: LedgerWriteError): void {
    this.head = this.durable.head;
    this.state = this.durable.state;
    this.ingestor?.forgetAfter(this.durable.head.seq);
    for (const r of built.batch) r.reject(err);
  }

  /**
   * Waits for a batch's write, then answers its callers and tells the ledger. False when
   * the write failed: its callers get the error, and the writer goes on from what is on
   * disk, unless the store is broken (closed under us, or failing batch after batch).
   */
  private async finish(built: Built): Promise<boolean> {
    const err = await built.written;
    if (err !== null || this.failure_) {
      const error = this.failure_ ?? new LedgerWriteError(err);
      this.abandon(built, error);
      this.failedWrites++;
      if (this.failure_ === null && (this.failedWrites >= BROKEN_AFTER || this.store.db.status !== 'open')) {
        this.failure_ = new LedgerWriteError(new Error(`the store is broken (${error.message}): the ledger closed itself; reopen it to go on from what was written`));
      }
      return false;
    }
    this.failedWrites = 0;
    this.ingestor?.written(built.keySeqs, built.head.seq);
    this.durable = { head: built.entries.length > 0 ? built.head : this.durable.head, state: built.state };
    built.batch.forEach((r, i) => r.resolve(built.outcomes[i]!));
    this.hooks.written(built.entries, built.decisions, built.state);
    if (this.checkpoints !== null && this.durable.head.seq - this.checkpoints.lastSeq >= this.options.snapshotEvery) {
      // Not awaited: the next batch is built while the checkpoint is written (a lost one is only a lost shortcut).
      this.checkpoints.write(this.durable.state, this.durable.head).catch(() => undefined);
    }
    return true;
  }
}

/**
 * Inputs after which a verification flow may owe something: the user's actions, a
 * verification event (to-device, alone or in a sync, or in a room), a `/keys/query` that
 * changed a pinned key, the event ID of our in-room request.
 */
function mayMoveVerification(envelope: { kind: string; event?: { type?: unknown } }): boolean {
  if (envelope.kind === 'user_action' || envelope.kind === 'sync' || envelope.kind === 'keys_query' || envelope.kind === 'room_message_sent') return true;
  const type = envelope.event?.type;
  if (typeof type !== 'string') return false;
  return (envelope.kind === 'to_device' || envelope.kind === 'room_event') && (type.startsWith('m.key.verification.') || (envelope.kind === 'room_event' && type === 'm.room.message'));
}

/**
 * A fact's payload as a replay reads it back: its logged text, parsed. A flat payload
 * (every value a string, a boolean, null, or a finite number other than -0: what a room
 * event's fact holds) parses back to the same values, so it is folded as it is and the
 * parse is saved; anything nested may hold received JSON and is parsed back.
 */
function asReadBack(payload: unknown, text: string): unknown {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return JSON.parse(text);
  for (const key of Object.keys(payload)) {
    const v = (payload as Record<string, unknown>)[key];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) continue;
    return JSON.parse(text);
  }
  return Object.getPrototypeOf(payload) === Object.prototype ? payload : JSON.parse(text);
}

/** Each caller's outcomes: the entries and decisions of each of its inputs, or the input's rejection. */
function outcomesOf(b: BatchBuild, answers: Answer[][]): IngestOutcome[][] {
  // (Built without spreads or a map lookup per seq when the batch decided nothing: one
  // answer per input, and most inputs of a large batch are room events.)
  const bySeq = b.decisions.length > 0 ? new Map<number, Decision[]>() : null;
  for (const d of b.decisions) {
    const list = bySeq!.get(d.seq);
    if (list) list.push(d);
    else bySeq!.set(d.seq, [d]);
  }
  const firstSeq = b.entries[0]?.seq ?? 0;
  const outcome = ({ first, last, plaintext, parts }: Answer): IngestOutcome => {
    const entry = b.entries[first - firstSeq]!;
    if (entry.kind === 'rejected_input') {
      const p = entry.payload as RejectedInputPayload;
      return { ok: false, error: new InputDecodeError(entry.seq, p.path, p.message, p.code) };
    }
    const seqs: number[] = [];
    const own: Decision[] = [];
    for (let s = first; s <= last; s++) {
      seqs.push(s);
      const list = bySeq?.get(s);
      if (list !== undefined) for (const d of list) own.push(d);
    }
    const result: IngestOutcome = { ok: true, seq: first, seqs, kind: entry.kind, decisions: own };
    if (plaintext) result.plaintext = plaintext;
    if (parts) result.toDevice = parts.map(outcome);
    return result;
  };
  const all: IngestOutcome[][] = new Array<IngestOutcome[]>(answers.length);
  for (let i = 0; i < answers.length; i++) {
    const inputs = answers[i]!;
    const mine: IngestOutcome[] = new Array<IngestOutcome>(inputs.length);
    for (let j = 0; j < inputs.length; j++) mine[j] = outcome(inputs[j]!);
    all[i] = mine;
  }
  return all;
}
