/**
 * Reading the written log back: the state at a seq, a replay with this engine's reducers,
 * and the entries of a range. Nothing here writes.
 */
import type { LedgerEntry } from '../../events/entry.js';
import type { Decision } from '../../projections/decision.js';
import type { EntryRange, ReplayOptions } from '../api-types.js';
import type { LedgerState, Projector } from '../runtime/projector.js';
import { iterateDecisions, matches, readDecisions, type DecisionFilter } from './decisions.js';
import { latestSnapshot } from './snapshots.js';
import { toPlain } from './entry-codec.js';
import type { LedgerStore } from './store.js';

export class LogReader {
  constructor(
    private readonly store: LedgerStore,
    private readonly projector: Projector,
    /** Decisions of a read-only ledger rebuilt under newer slice versions (not persisted), or null. */
    private readonly memoryDecisions: readonly Decision[] | null,
    /** What is on disk now: the last written entry and the state after it. */
    private readonly durable: () => { seq: number; state: LedgerState },
  ) {}

  /**
   * The state right after entry `seq`: from the newest snapshot at or before it, plus
   * the entries in between (never a replay from zero when a snapshot exists).
   */
  async stateAt(seq: number): Promise<LedgerState> {
    const now = this.durable();
    if (seq >= now.seq) return now.state;
    if (seq < 0) return this.projector.initial();
    const snapshot = await latestSnapshot(this.store.snap, this.projector.versions, seq);
    let state = snapshot?.state ?? this.projector.initial();
    for await (const chunk of this.store.entries((snapshot?.seq ?? -1) + 1, seq)) state = this.projector.fold(state, chunk);
    return state;
  }

  /** Replays the log (see `Ledger.replay`). */
  async replay(options: ReplayOptions = {}): Promise<{ state: LedgerState; entries: number; headSeq: number }> {
    const to = Math.min(options.to ?? Number.MAX_SAFE_INTEGER, this.durable().seq);
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

  /** Written entries with `from <= seq <= to`, in order (see `Ledger.entries`). */
  entries(range: { from?: number; to?: number; onUnreadable?: (gap: { first: number; last: number | null }) => void } = {}): EntryRange {
    const to = Math.min(range.to ?? Number.MAX_SAFE_INTEGER, this.durable().seq);
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

  /** Decisions in log order, narrowed by `filter`: under today's rules, or as `recorded` when their entries were written. */
  async decisions(filter: DecisionFilter, which: 'current' | 'recorded' = 'current'): Promise<Decision[]> {
    if (which === 'current' && this.memoryDecisions !== null) return this.memoryDecisions.filter((d) => matches(d, filter));
    return readDecisions(this.store, filter, which);
  }

  /** Decisions in log order, narrowed by `filter`, one at a time. */
  async *streamDecisions(filter: DecisionFilter): AsyncGenerator<Decision> {
    if (this.memoryDecisions !== null) {
      for (const d of this.memoryDecisions) if (matches(d, filter)) yield d;
      return;
    }
    yield* iterateDecisions(this.store, filter);
  }
}
