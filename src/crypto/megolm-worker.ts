/**
 * Megolm decryption ahead of the fold, on a second thread. libolm's decrypt is half of the
 * cost of ingesting an encrypted room event; the rest (decode, canonical JSON, the hash
 * chain, the fold, the write) runs on the main thread. When a batch holds many room
 * events, their ciphertexts go to a worker thread, with the key each is expected to need,
 * and the worker decrypts them in log order while the main thread works through the
 * batch, taking each result when it gets there.
 *
 * Determinism is not traded for it: which key decrypts an event is still decided by the
 * fold, on the main thread, when the event's turn comes. A result from the worker is used
 * only when it was computed with that very key (a key is named by the seq of the fact that
 * brought it, and that never changes what it names; keys of a batch taken back are
 * forgotten on both sides before their seqs are used again); otherwise, and whenever the
 * worker is not ready, slow to start, or gone, the main thread decrypts as before. A
 * decryption is a pure function of the key and the ciphertext, so the facts are the same
 * bytes either way.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { OlmFailure, type OlmErrorCode } from './failure.js';
import type { MegolmPlaintext } from './megolm-session.js';

/** Control words shared with the worker: result chunks posted (a counter it notifies on). */
export const CTL_DONE = 0;
/** The lowest job ID the main thread still waits for: the worker skips older ones. */
export const CTL_WANTED = 1;
/** The job ID the main thread is blocked on: the worker posts what it has once past it. */
export const CTL_WAITING = 2;

/**
 * Each job is claimed once, by the worker or by the main thread, in a slot of its own
 * (job ID modulo {@link SLOTS}; far more slots than jobs are ever outstanding).
 */
export const SLOTS = 1 << 16;
export const SLOT_FREE = 0;
export const SLOT_WORKER = 1;
export const SLOT_MAIN = 2;

/** One message to the worker: keys to forget (seqs above), keys to hold, jobs in order. */
export interface AheadRequest {
  forgetAbove?: number;
  keys: [seq: number, exported: string][];
  jobs: [id: number, seq: number, ciphertext: string][];
}

/** One result: the plaintext and message index, olm's refusal, or null/null ("decrypt it yourself"). */
export type AheadResult = [id: number, plaintext: string | null, indexOrCode: number | OlmErrorCode | null];

/** Decryption on the main thread, for the jobs it takes over: only with keys it holds live. */
export interface LocalDecrypt {
  holds(seq: number): boolean;
  decrypt(seq: number, ciphertext: string): MegolmPlaintext | OlmFailure;
}

/** A job posted and not yet taken. */
interface Job {
  id: number;
  seq: number;
  ciphertext: string;
  /** Its place in the queue. */
  at: number;
}

/** {@link CTL_WAITING} while the main thread is not blocked. */
const NOT_WAITING = 0x7fffffff;
/** How long the main thread waits for one result before it counts the worker as gone. */
const STALL_MS = 10_000;
/** Keys the worker may hold before it is told to drop them all (each is a few hundred bytes). */
const MAX_KEYS = 10_000;

/**
 * The main thread's side. Jobs are posted in log order; when the ingestor reaches an
 * event it takes its result synchronously (reading the worker's port directly: no turn of
 * the event loop). A job the worker has not started yet is claimed and decrypted here;
 * while the worker is busy with the one asked for, the main thread does the batch's
 * deferred work ({@link idle}) or decrypts the next job nobody has claimed, and only then
 * blocks (Atomics.wait on the worker's counter).
 */
export class MegolmDecryptAhead {
  private readonly ctl: Int32Array;
  private readonly slots: Int32Array;
  private nextId = 1;
  /** Keys the worker holds, by seq. */
  private readonly sent = new Set<number>();
  /** Keys to forget, sent with the next request. */
  private forgetAbove: number | undefined = undefined;
  /** Jobs posted and not yet taken, in log order, and by ciphertext (the same one may come twice). */
  private queue: Job[] = [];
  /** The place in the queue after the job taken last. */
  private cursor = 0;
  private readonly byText = new Map<string, Job[]>();
  /** Results received (or made here) and not yet taken, by job ID (null: decrypt it yourself). */
  private readonly results = new Map<number, MegolmPlaintext | OlmFailure | null>();
  private gone = false;
  /** Work the main thread may do instead of blocking on the worker; true if it did some. */
  idle: (() => boolean) | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    control: SharedArrayBuffer,
    slots: SharedArrayBuffer,
    private readonly local: LocalDecrypt,
  ) {
    this.ctl = new Int32Array(control);
    this.slots = new Int32Array(slots);
    Atomics.store(this.ctl, CTL_WAITING, NOT_WAITING);
    const stop = () => {
      this.gone = true;
    };
    worker.on('error', stop);
    worker.on('exit', stop);
  }

  /**
   * Starts the worker thread (libolm loads there while the caller goes on); null if it
   * cannot start. `local` decrypts on this thread what it takes over from the worker.
   */
  static start(local: LocalDecrypt): MegolmDecryptAhead | null {
    try {
      const control = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
      const slots = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./megolm-worker-thread.js', import.meta.url), {
        workerData: { port: port2, control, slots },
        transferList: [port2],
        // Not the embedding process's flags (a profiler's, an eval's): the worker only decrypts.
        execArgv: [],
      });
      // Neither keeps the process alive: the ledger may be dropped without being closed.
      worker.unref();
      port1.unref();
      return new MegolmDecryptAhead(worker, port1, control, slots, local);
    } catch {
      return null;
    }
  }

  /** False once the worker failed or stopped: then nothing more is posted. */
  get usable(): boolean {
    return !this.gone;
  }

  /** Whether the worker holds the key of fact `seq`. */
  holds(seq: number): boolean {
    return this.sent.has(seq);
  }

  /**
   * Posts jobs in log order, with the keys the worker lacks (`keyOf` gives a key's
   * exported form, or undefined: its jobs are left to the main thread). `first`: they
   * open a new batch, and whatever an earlier one left untaken is dropped.
   */
  post(jobs: readonly { seq: number; ciphertext: string }[], keyOf: (seq: number) => string | undefined, first = true): void {
    if (this.gone) return;
    if (first) this.dropUntaken();
    if (this.sent.size > MAX_KEYS) this.forgetAfter(-1);
    const request: AheadRequest = { keys: [], jobs: [] };
    if (this.forgetAbove !== undefined) request.forgetAbove = this.forgetAbove;
    this.forgetAbove = undefined;
    for (const { seq, ciphertext } of jobs) {
      if (!this.sent.has(seq)) {
        const key = keyOf(seq);
        if (key === undefined) continue;
        request.keys.push([seq, key]);
        this.sent.add(seq);
      }
      const job = { id: this.nextId++, seq, ciphertext, at: this.queue.length };
      Atomics.store(this.slots, job.id % SLOTS, SLOT_FREE);
      request.jobs.push([job.id, seq, ciphertext]);
      this.queue.push(job);
      const same = this.byText.get(ciphertext);
      if (same === undefined) this.byText.set(ciphertext, [job]);
      else same.push(job);
    }
    if (request.jobs.length === 0 && request.forgetAbove === undefined) return;
    try {
      this.port.postMessage(request);
    } catch {
      this.gone = true;
    }
  }

  /**
   * The result for `ciphertext` under the key of fact `seq`, if a job for exactly that was
   * posted; undefined tells the caller to decrypt it itself.
   */
  take(seq: number, ciphertext: string): MegolmPlaintext | OlmFailure | undefined {
    const same = this.byText.get(ciphertext);
    if (same === undefined) return undefined;
    const job = same.shift()!;
    if (same.length === 0) this.byText.delete(ciphertext);
    this.cursor = Math.max(this.cursor, job.at + 1);
    // A job older than one already taken is no longer waited for: the worker skipped it.
    const usable = job.seq === seq && !this.gone && job.id >= Atomics.load(this.ctl, CTL_WANTED);
    // Older jobs are no longer waited for (nor this one, when it is of no use).
    this.want(usable ? job.id : job.id + 1);
    if (!usable) {
      this.results.delete(job.id);
      return undefined;
    }
    for (;;) {
      const result = this.results.get(job.id);
      if (result !== undefined) {
        this.results.delete(job.id);
        return result ?? undefined;
      }
      if (this.gone) return undefined;
      const seen = Atomics.load(this.ctl, CTL_DONE);
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) {
        this.receive(received.message as AheadResult[]);
        continue;
      }
      // Not started by the worker (still loading libolm, or behind): decrypted here.
      if (this.claim(job)) return undefined;
      // The worker has it in hand: do something useful meanwhile, or wait.
      if (this.idle?.() || this.steal()) continue;
      Atomics.store(this.ctl, CTL_WAITING, job.id);
      const waited = Atomics.wait(this.ctl, CTL_DONE, seen, STALL_MS);
      Atomics.store(this.ctl, CTL_WAITING, NOT_WAITING);
      if (waited === 'timed-out') {
        this.stop();
        return undefined;
      }
    }
  }

  /** Keys of facts after `seq` were taken back: the worker forgets them, and every untaken job goes. */
  forgetAfter(seq: number): void {
    for (const s of [...this.sent]) if (s > seq) this.sent.delete(s);
    this.forgetAbove = this.forgetAbove === undefined ? seq : Math.min(this.forgetAbove, seq);
    this.dropUntaken();
  }

  stop(): void {
    this.gone = true;
    this.dropUntaken();
    this.port.close();
    void this.worker.terminate().catch(() => undefined);
  }

  /** Claims a job for this thread; false when the worker has it. */
  private claim(job: Job): boolean {
    return Atomics.compareExchange(this.slots, job.id % SLOTS, SLOT_FREE, SLOT_MAIN) === SLOT_FREE;
  }

  /**
   * Claims the next job nobody has claimed and decrypts it here, when this thread holds
   * its key; false if there is none. The next, not the last: both threads then move their
   * ratchets forward only (going back means advancing again from the key's first index).
   */
  private steal(): boolean {
    for (let i = this.cursor; i < this.queue.length; i++) {
      const job = this.queue[i]!;
      if (!this.local.holds(job.seq) || !this.claim(job)) continue;
      this.results.set(job.id, this.local.decrypt(job.seq, job.ciphertext));
      return true;
    }
    return false;
  }

  /** Tells the worker that jobs below `id` are no longer waited for. */
  private want(id: number): void {
    if (Atomics.load(this.ctl, CTL_WANTED) < id) Atomics.store(this.ctl, CTL_WANTED, id);
  }

  private dropUntaken(): void {
    this.queue = [];
    this.cursor = 0;
    this.byText.clear();
    this.results.clear();
    Atomics.store(this.ctl, CTL_WANTED, this.nextId);
  }

  private receive(results: readonly AheadResult[]): void {
    const wanted = Atomics.load(this.ctl, CTL_WANTED);
    for (const [id, plaintext, indexOrCode] of results) {
      if (id < wanted) continue;
      if (plaintext !== null) this.results.set(id, { plaintext, messageIndex: indexOrCode as number });
      else this.results.set(id, indexOrCode === null ? null : new OlmFailure(indexOrCode as OlmErrorCode));
    }
  }
}
