import type { LedgerEntry } from '../../../events/entry.js';
import type { Decision } from '../../../projections/decision.js';
import { defaultSlices } from '../../../projections/index.js';
import { loadOlm } from '../../crypto/olm.js';
import { OlmCryptoPort } from '../../crypto/port.js';
import { matches, type DecisionFilter } from '../../log/decisions.js';
import { KeyledgerError } from '../../errors.js';
import type { ReplayOptions } from '../../api-types.js';
import { entryHash } from '../../log/entry-codec.js';
import type { CryptoPort } from '../../../projections/port.js';
import { Projector, stateHash, type LedgerState, type SliceVersions } from '../../runtime/projector.js';
import type { VerifyProblem, VerifyReport } from '../../log/verify.js';
import type { LogSource } from './source.js';

/** What a bundle replay starts from: the state after `baseSeq`, and the entries after it. */
export interface BundleLog {
  readonly owner: LogSource['owner'];
  readonly baseSeq: number;
  readonly base: LedgerState;
  /** Plain entries, ascending; `redacted` lists those whose secrets were taken out (own hash unverifiable). */
  readonly entries: readonly LedgerEntry[];
  readonly redacted: ReadonlySet<number>;
  /** Decisions as recorded in the bundle, or null when there are none yet (while one is being made). */
  readonly recorded: readonly Decision[] | null;
}

/** The state hash after a given entry. */
export interface Checkpoint {
  readonly seq: number;
  readonly stateHash: string;
}

/**
 * The slice versions this engine folds with, without loading olm: the projector reads
 * only the slices' names and versions when it is built (the crypto port is used by folds).
 */
export function engineSliceVersions(): SliceVersions {
  return new Projector(defaultSlices, {} as CryptoPort).versions;
}

/** A seq before the bundle's base: a bundle knows nothing of the log before it. */
export class BundleRangeError extends KeyledgerError {
  constructor(seq: number, baseSeq: number) {
    super('bundle.out_of_range', `seq ${seq} is before this bundle (its base state is after seq ${baseSeq})`);
  }
}

/**
 * An incident bundle as a {@link LogSource}: replayed once, with today's reducers, from its
 * base state, keeping the state at every stop (checkpoint seqs) so that going back costs a
 * fold from the nearest stop, never a replay of the whole bundle.
 */
export class BundleSource implements LogSource {
  /** A bundle is a kind of export: entries without LevelDB. */
  readonly kind = 'export' as const;
  readonly owner: LogSource['owner'];
  /** State hashes at the stops, as replayed. */
  readonly checkpoints: readonly Checkpoint[];
  private readonly stops: { seq: number; count: number; state: LedgerState }[] = [];
  private readonly replayed: Decision[] = [];
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly log: BundleLog,
    private readonly projector: Projector,
    private readonly crypto: OlmCryptoPort,
    stopSeqs: readonly number[],
  ) {
    this.owner = log.owner;
    let state = log.base;
    let count = 0;
    const checkpoints: Checkpoint[] = [];
    const entries = log.entries;
    for (const seq of [...new Set(stopSeqs)].sort((a, b) => a - b)) {
      const upto = entries.findIndex((e) => e.seq > seq);
      const end = upto < 0 ? entries.length : upto;
      state = projector.fold(state, entries.slice(count, end), this.replayed);
      count = end;
      this.stops.push({ seq, count, state });
      checkpoints.push({ seq, stateHash: stateHash(state) });
    }
    state = projector.fold(state, entries.slice(count), this.replayed);
    this.stops.push({ seq: this.headSeq(), count: entries.length, state });
    this.checkpoints = checkpoints;
  }

  /** Replays `log` from its base, hashing the state after each seq of `stopSeqs`. */
  static async create(path: string, log: BundleLog, stopSeqs: readonly number[]): Promise<BundleSource> {
    const crypto = new OlmCryptoPort(await loadOlm());
    return new BundleSource(path, log, new Projector(defaultSlices, crypto), crypto, stopSeqs);
  }

  /** The seq the base state comes after (`from - 1`). */
  get baseSeq(): number {
    return this.log.baseSeq;
  }

  headSeq(): number {
    return this.log.entries[this.log.entries.length - 1]?.seq ?? this.log.baseSeq;
  }

  async *entries(range: { from?: number; to?: number } = {}): AsyncGenerator<LedgerEntry> {
    for (const e of this.log.entries) if (e.seq >= (range.from ?? 0) && e.seq <= (range.to ?? Number.MAX_SAFE_INTEGER)) yield e;
  }

  state(): LedgerState {
    return this.stops[this.stops.length - 1]!.state;
  }

  /** @throws BundleRangeError for a seq before the base state. */
  async stateAt(seq: number): Promise<LedgerState> {
    if (seq < this.log.baseSeq) throw new BundleRangeError(seq, this.log.baseSeq);
    const upto = this.log.entries.findIndex((e) => e.seq > seq);
    const count = upto < 0 ? this.log.entries.length : upto;
    let from = { count: 0, state: this.log.base };
    for (const s of this.stops) if (s.count <= count) from = s;
    return this.projector.fold(from.state, this.log.entries.slice(from.count, count));
  }

  async decisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    return this.replayed.filter((d) => matches(d, filter));
  }

  async recordedDecisions(filter: DecisionFilter = {}): Promise<Decision[] | null> {
    return this.log.recorded?.filter((d) => matches(d, filter)) ?? null;
  }

  /** Replays from the base state (never from zero: the bundle has nothing before it). */
  async replay(options: ReplayOptions = {}): Promise<{ state: LedgerState; entries: number; headSeq: number }> {
    const chosen = this.log.entries.filter((e) => e.seq <= (options.to ?? Number.MAX_SAFE_INTEGER) && !options.skip?.has(e.seq));
    const decisions: Decision[] | undefined = options.onDecision ? [] : undefined;
    const state = this.projector.fold(this.log.base, chosen, decisions);
    for (const d of decisions ?? []) options.onDecision!(d);
    const headSeq = chosen[chosen.length - 1]?.seq ?? this.log.baseSeq;
    options.onProgress?.(headSeq);
    return { state, entries: chosen.length, headSeq };
  }

  /**
   * Checks the chain inside the bundle: seqs follow each other, each entry links to the one
   * before, and each entry not marked redacted matches its own hash. The link of the first
   * entry to the log before it cannot be checked here.
   */
  async verify(): Promise<VerifyReport> {
    const problems: VerifyProblem[] = [];
    const entries = this.log.entries;
    entries.forEach((e, i) => {
      const prev = entries[i - 1];
      if (prev !== undefined && e.seq !== prev.seq + 1) problems.push({ seq: prev.seq + 1, code: 'chain.gap', message: `entry ${prev.seq + 1} is missing (the next one is ${e.seq})` });
      if (!this.log.redacted.has(e.seq) && entryHash(e) !== e.hash) problems.push({ seq: e.seq, code: 'chain.altered', message: `entry ${e.seq} was altered: its content no longer matches its hash` });
      if (prev !== undefined && e.prevHash !== prev.hash) problems.push({ seq: prev.seq, code: 'chain.broken_link', message: `entry ${e.seq} does not chain to entry ${prev.seq}` });
    });
    problems.sort((a, b) => a.seq - b.seq);
    const last = entries[entries.length - 1];
    const n = this.log.redacted.size;
    return {
      ok: problems.length === 0,
      entries: entries.length,
      headSeq: this.headSeq(),
      headHash: last?.hash ?? null,
      firstBadSeq: problems[0]?.seq ?? null,
      problems,
      checkpoints: { count: 0, valid: 0, lastValidSeq: null, signer: this.owner?.ed25519 ?? null },
      uncoveredTail: entries.length,
      warnings: [
        'a bundle carries no signed checkpoints: the chain inside it is checked, not who wrote it',
        ...(n > 0 ? [`${n} entr${n === 1 ? 'y has' : 'ies have'} redacted secrets, so their own hashes cannot be checked (their links are)`] : []),
      ],
    };
  }

  stateHash(state: LedgerState = this.state()): string {
    return stateHash(state);
  }

  sliceVersions() {
    return this.projector.versions;
  }

  /** Frees the olm utility; closing twice is harmless (freeing an olm object twice corrupts olm's heap). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.crypto.free();
  }
}
