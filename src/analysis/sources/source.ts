import type { LedgerEntry } from '../../../events/entry.js';
import type { Decision } from '../../../projections/decision.js';
import type { DecisionFilter } from '../../log/decisions.js';
import type { ReplayOptions } from '../../api-types.js';
import type { LedgerState, SliceVersions } from '../../runtime/projector.js';
import type { VerifyReport } from '../../log/verify.js';

/**
 * A log to analyse, wherever it is: a ledger folder (opened read-only) or an NDJSON export
 * (`keyledger export`, read into memory: no LevelDB needed). The debugger, `explain`,
 * `why-utd`, `what-if`, `rejudge` and `report` work on this and nothing else, so every
 * slice added later shows up in them unchanged.
 */
export interface LogSource {
  readonly kind: 'ledger' | 'export';
  readonly path: string;
  /** The device that wrote the log, from its first entry, if present. */
  readonly owner: { userId: string; deviceId: string; ed25519: string; curve25519: string } | null;
  headSeq(): number;
  /** Entries with `from <= seq <= to`, in order (plain objects). */
  entries(range?: { from?: number; to?: number }): AsyncIterable<LedgerEntry>;
  /** The state after the last entry. */
  state(): LedgerState;
  /** The state right after entry `seq` (-1: before the first), from the nearest snapshot. */
  stateAt(seq: number): Promise<LedgerState>;
  /** Decisions under the current rules, in log order. */
  decisions(filter?: DecisionFilter): Promise<Decision[]>;
  /** The same one at a time, where the source can read them so (memory stays bounded). */
  streamDecisions?(filter?: DecisionFilter): AsyncIterable<Decision>;
  /** Decisions as recorded when the log was written, or null when the source has none (an export). */
  recordedDecisions(filter?: DecisionFilter): Promise<Decision[] | null>;
  /** Replays with the current rules, without changing anything (`skip` leaves entries out). */
  replay(options?: ReplayOptions): Promise<{ state: LedgerState; entries: number; headSeq: number }>;
  /** Checks the chain (and, for a ledger, the signed checkpoints); `onProgress` gets the seq reached. */
  verify(options?: { onProgress?: (seq: number) => void }): Promise<VerifyReport>;
  stateHash(state?: LedgerState): string;
  sliceVersions(): SliceVersions;
  close(): Promise<void>;
}
