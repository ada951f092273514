import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GENESIS_PREV_HASH, type LedgerCreatedPayload, type LedgerEntry } from '../../../events/entry.js';
import type { Decision } from '../../../projections/decision.js';
import { defaultSlices } from '../../../projections/index.js';
import { loadOlm } from '../../crypto/olm.js';
import { OlmCryptoPort } from '../../crypto/port.js';
import { matches, type DecisionFilter } from '../../log/decisions.js';
import { CorruptStoreError } from '../../errors.js';
import type { ReplayOptions } from '../../api-types.js';
import { entryHash } from '../../log/entry-codec.js';
import { REDACTED } from '../../redact.js';
import { Projector, stateHash, type LedgerState } from '../../runtime/projector.js';
import type { VerifyProblem, VerifyReport } from '../../log/verify.js';
import type { LogSource } from './source.js';

/** States kept every this many entries: immer shares structure, so each costs little. */
const SNAPSHOT_EVERY = 1_024;

/**
 * A log held in memory (an NDJSON export): replayed once on load with the current rules,
 * with a state kept every 1,024 entries so going back in time is quick.
 */
export class MemorySource implements LogSource {
  readonly kind = 'export' as const;
  readonly owner: LogSource['owner'];
  private readonly snapshots: LedgerState[] = [];
  private readonly allDecisions: Decision[] = [];
  private readonly finalState: LedgerState;

  private constructor(
    readonly path: string,
    private readonly log: readonly LedgerEntry[],
    private readonly projector: Projector,
    private readonly crypto: OlmCryptoPort,
  ) {
    const first = log[0];
    const p = first?.kind === 'ledger_created' ? (first.payload as LedgerCreatedPayload) : undefined;
    this.owner = p ? { userId: p.user_id, deviceId: p.device_id, ...p.keys } : null;
    let state = projector.initial();
    for (let i = 0; i < log.length; i += SNAPSHOT_EVERY) {
      this.snapshots.push(state);
      state = projector.fold(state, log.slice(i, i + SNAPSHOT_EVERY), this.allDecisions);
    }
    this.finalState = state;
  }

  /** Reads `keyledger export` output: one entry per line, blank lines skipped. */
  static async fromNdjsonFile(path: string): Promise<MemorySource> {
    const entries: LedgerEntry[] = [];
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      let e: LedgerEntry;
      try {
        e = JSON.parse(text) as LedgerEntry;
      } catch {
        throw new CorruptStoreError(`${path}:${line}: not JSON (an export has one entry per line)`);
      }
      if (typeof e?.seq !== 'number' || typeof e.kind !== 'string' || typeof e.hash !== 'string') {
        throw new CorruptStoreError(`${path}:${line}: not a ledger entry (seq, kind, payload, prevHash, hash)`);
      }
      entries.push(e);
    }
    return MemorySource.fromEntries(path, entries);
  }

  static async fromEntries(path: string, entries: readonly LedgerEntry[]): Promise<MemorySource> {
    const crypto = new OlmCryptoPort(await loadOlm());
    return new MemorySource(path, [...entries].sort((a, b) => a.seq - b.seq), new Projector(defaultSlices, crypto), crypto);
  }

  headSeq(): number {
    return this.log[this.log.length - 1]?.seq ?? -1;
  }

  async *entries(range: { from?: number; to?: number } = {}): AsyncGenerator<LedgerEntry> {
    for (const e of this.log) if (e.seq >= (range.from ?? 0) && e.seq <= (range.to ?? Number.MAX_SAFE_INTEGER)) yield e;
  }

  state(): LedgerState {
    return this.finalState;
  }

  async stateAt(seq: number): Promise<LedgerState> {
    const upto = this.log.findIndex((e) => e.seq > seq);
    const count = upto < 0 ? this.log.length : upto;
    const k = Math.floor(count / SNAPSHOT_EVERY);
    return this.projector.fold(this.snapshots[k] ?? this.projector.initial(), this.log.slice(k * SNAPSHOT_EVERY, count));
  }

  async decisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    return this.allDecisions.filter((d) => matches(d, filter));
  }

  async recordedDecisions(): Promise<null> {
    return null; // an export carries entries only
  }

  async replay(options: ReplayOptions = {}): Promise<{ state: LedgerState; entries: number; headSeq: number }> {
    const chosen = this.log.filter((e) => e.seq <= (options.to ?? Number.MAX_SAFE_INTEGER) && !options.skip?.has(e.seq));
    const decisions: Decision[] | undefined = options.onDecision ? [] : undefined;
    const state = this.projector.fold(this.projector.initial(), chosen, decisions);
    for (const d of decisions ?? []) options.onDecision!(d);
    return { state, entries: chosen.length, headSeq: chosen[chosen.length - 1]?.seq ?? -1 };
  }

  /**
   * Checks continuity and the hash chain. An entry whose secrets were redacted by the
   * export no longer matches its own hash; that is said as a warning, and its link to the
   * next entry is still checked.
   */
  async verify(): Promise<VerifyReport> {
    const problems: VerifyProblem[] = [];
    let redacted = 0;
    let prevHash = GENESIS_PREV_HASH;
    let expected = this.log[0]?.seq ?? 0;
    for (const e of this.log) {
      if (e.seq !== expected) problems.push({ seq: expected, code: 'chain.gap', message: `entry ${expected} is missing (the next one is ${e.seq})` });
      if (entryHash(e) !== e.hash) {
        if (JSON.stringify(e.payload).includes(REDACTED)) redacted++;
        else problems.push({ seq: e.seq, code: 'chain.altered', message: `entry ${e.seq} was altered: its content no longer matches its hash` });
      }
      if (e.prevHash !== prevHash && (e.seq !== this.log[0]!.seq || e.seq === 0)) {
        problems.push({ seq: Math.max(0, e.seq - 1), code: 'chain.broken_link', message: `entry ${e.seq} does not chain to entry ${e.seq - 1}` });
      }
      prevHash = e.hash;
      expected = e.seq + 1;
    }
    problems.sort((a, b) => a.seq - b.seq);
    const last = this.log[this.log.length - 1];
    const warnings = [
      'an export carries no signed checkpoints: the chain is checked, not who wrote it',
      ...(redacted > 0 ? [`${redacted} entr${redacted === 1 ? 'y has' : 'ies have'} redacted secrets, so their own hashes cannot be checked (their links are)`] : []),
    ];
    return {
      ok: problems.length === 0,
      entries: this.log.length,
      headSeq: last?.seq ?? -1,
      headHash: last?.hash ?? null,
      firstBadSeq: problems[0]?.seq ?? null,
      problems,
      checkpoints: { count: 0, valid: 0, lastValidSeq: null, signer: this.owner?.ed25519 ?? null },
      uncoveredTail: this.log.length,
      warnings,
    };
  }

  stateHash(state: LedgerState = this.finalState): string {
    return stateHash(state);
  }

  sliceVersions() {
    return this.projector.versions;
  }

  async close(): Promise<void> {
    this.crypto.free();
  }
}
