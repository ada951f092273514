import type { LedgerEntry } from '../../events/entry.js';
import type { Decision } from '../../projections/decision.js';
import { redactSecrets } from '../redact.js';
import type { LedgerState } from '../runtime/projector.js';
import type { LogSource } from './sources/source.js';
import { diffStates, readable, type StateChange } from './state-diff.js';

/** Where a session stands: the entry just applied (`entry` null at the start, before the first). */
export interface ReplayStep {
  readonly seq: number;
  /** The entry's kind, or `start` before the first entry. */
  readonly kind: string;
  /** The entry, secrets redacted. */
  readonly entry: LedgerEntry | null;
  /** Decisions this entry caused, secrets redacted. */
  readonly decisions: readonly Decision[];
}

/** Called while a search runs over many entries: entries scanned so far, and the seq reached. */
export type ScanProgress = (scanned: number, seq: number) => void;

/** How often a scan reports progress, in entries. */
const PROGRESS_EVERY = 1_000;
/** States kept for stepping back and forth without recomputing (each one shares structure). */
const STATE_CACHE = 8;

/**
 * A stepping session over a log (Redux DevTools' time travel, rr's reverse step): a
 * position, moved with next/back/goto or by searching forward, and the state, diff,
 * entry and decisions at that position. It reads the log only through {@link LogSource}
 * (entries, decisions, `stateAt`), so slices added later show up unchanged, and it never
 * writes. States come from `stateAt` (the nearest snapshot plus the entries after it), so
 * going back never replays from zero; moving is cheap and a state is only computed when
 * asked for. Everything returned is redacted. No I/O of its own: the CLI formats.
 */
export class ReplaySession {
  private position: number;
  private readonly states = new Map<number, Promise<LedgerState>>();

  private constructor(
    readonly source: LogSource,
    /** The seq before the first entry: the session's start (−1 for a whole log, `from − 1` for a bundle). */
    readonly startSeq: number,
  ) {
    this.position = startSeq;
  }

  /** A session at the start of `source` (before its first entry). */
  static async open(source: LogSource): Promise<ReplaySession> {
    let first = source.headSeq() + 1;
    for await (const e of source.entries()) {
      first = e.seq;
      break;
    }
    return new ReplaySession(source, first - 1);
  }

  /** The seq of the entry the session stands on (`startSeq` at the start). */
  get seq(): number {
    return this.position;
  }

  get headSeq(): number {
    return this.source.headSeq();
  }

  /** The step the session stands on. */
  async current(): Promise<ReplayStep> {
    if (this.position === this.startSeq) return { seq: this.position, kind: 'start', entry: null, decisions: [] };
    const entry = await this.entryAt(this.position);
    return { seq: this.position, kind: entry?.kind ?? '?', entry: entry && redactSecrets(entry), decisions: await this.decisionsHere() };
  }

  /** Moves `n` entries forward (stopping at the last one). */
  async next(n = 1): Promise<ReplayStep> {
    return this.goto(Math.min(this.position + n, this.headSeq));
  }

  /** Moves `n` entries back (stopping at the start). */
  async back(n = 1): Promise<ReplayStep> {
    return this.goto(Math.max(this.position - n, this.startSeq));
  }

  /**
   * Moves to the entry `seq` (or `startSeq`: before the first entry).
   *
   * @throws RangeError for a seq outside the log.
   */
  async goto(seq: number): Promise<ReplayStep> {
    if (!Number.isSafeInteger(seq) || seq < this.startSeq || seq > this.headSeq) {
      throw new RangeError(`no entry ${seq}: this log has seqs ${this.startSeq + 1}..${this.headSeq} (${this.startSeq} is the start)`);
    }
    this.position = seq;
    return this.current();
  }

  /** Slice names of the state, in fold order. */
  async slices(): Promise<string[]> {
    return Object.keys(await this.stateAfter(this.position));
  }

  /**
   * The state after the current entry, or one slice of it: redacted, hashed maps shown as
   * plain records.
   *
   * @throws RangeError for a slice the state does not have.
   */
  async state(slice?: string): Promise<unknown> {
    const state = await this.stateAfter(this.position);
    if (slice === undefined) return redactSecrets(readable(state));
    if (!Object.hasOwn(state, slice)) throw new RangeError(`no slice ${slice} (slices: ${Object.keys(state).join(', ')})`);
    return redactSecrets(readable(state[slice]));
  }

  /** The state hash after the current entry. */
  async stateHash(): Promise<string> {
    return this.source.stateHash(await this.stateAfter(this.position));
  }

  /** What the current entry changed: the state before it against the state after it (empty at the start). */
  async diff(): Promise<StateChange[]> {
    if (this.position === this.startSeq) return [];
    const [before, after] = await Promise.all([this.stateAfter(this.position - 1), this.stateAfter(this.position)]);
    return diffStates(before, after).map((c) => redactSecrets(c));
  }

  /** Decisions the current entry caused. */
  async decisionsHere(): Promise<Decision[]> {
    if (this.position === this.startSeq) return [];
    return (await this.source.decisions({ fromSeq: this.position, toSeq: this.position })).map((d) => redactSecrets(d));
  }

  /** The current entry, redacted (null at the start). */
  async entry(): Promise<LedgerEntry | null> {
    const e = this.position === this.startSeq ? null : await this.entryAt(this.position);
    return e && redactSecrets(e);
  }

  /**
   * Runs forward to the next entry whose kind is `pattern` or which caused a decision with
   * code `pattern` (a prefix ending in `.` matches a family: `forwarded_key.`). Stays put
   * and resolves to null when nothing after the current entry matches.
   */
  async breakOn(pattern: string, onProgress?: ScanProgress): Promise<ReplayStep | null> {
    const [hit] = await this.source.decisions({ code: pattern, fromSeq: this.position + 1 });
    // Reason codes always hold a dot and entry kinds never do: only a kind needs the entry scan.
    const seq = pattern.includes('.') ? hit?.seq : await this.scan(hit?.seq, (e) => e.kind === pattern, onProgress);
    return seq === undefined ? null : this.goto(seq);
  }

  /**
   * Runs forward to the next entry that mentions `text` (an event ID, session ID, user or
   * device ID): in its redacted payload or in the subject of a decision it caused. Stays
   * put and resolves to null when none does.
   */
  async find(text: string, onProgress?: ScanProgress): Promise<ReplayStep | null> {
    if (text === '') throw new RangeError('find what? (an event ID, session ID, user or device ID)');
    const hit = (await this.source.decisions({ fromSeq: this.position + 1 })).find((d) => d.subject.includes(text));
    // Redacted before matching, so a search cannot tell whether a secret holds the text.
    const mentions = (e: LedgerEntry) => JSON.stringify(e.payload).includes(text) && JSON.stringify(redactSecrets(e.payload)).includes(text);
    const seq = await this.scan(hit?.seq, mentions, onProgress);
    return seq === undefined ? null : this.goto(seq);
  }

  /** The first entry after the current one (and before `limit`) that passes `test`, else `limit`. */
  private async scan(limit: number | undefined, test: (e: LedgerEntry) => boolean, onProgress?: ScanProgress): Promise<number | undefined> {
    let scanned = 0;
    const to = limit === undefined ? undefined : limit - 1;
    for await (const e of this.source.entries({ from: this.position + 1, to })) {
      if (test(e)) return e.seq;
      if (++scanned % PROGRESS_EVERY === 0) onProgress?.(scanned, e.seq);
    }
    return limit;
  }

  private async entryAt(seq: number): Promise<LedgerEntry | null> {
    for await (const e of this.source.entries({ from: seq, to: seq })) return e;
    return null;
  }

  /** The state after `seq`, from `stateAt` (nearest snapshot plus the entries after it), cached. */
  private stateAfter(seq: number): Promise<LedgerState> {
    let state = this.states.get(seq);
    if (state === undefined) {
      state = this.source.stateAt(seq);
      state.catch(() => this.states.delete(seq));
      this.states.set(seq, state);
      if (this.states.size > STATE_CACHE) this.states.delete(this.states.keys().next().value!);
    } else {
      // Most recently used last, so the oldest is evicted first.
      this.states.delete(seq);
      this.states.set(seq, state);
    }
    return state;
  }
}
