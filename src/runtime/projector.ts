import { Immer } from 'immer';
import type { Entry, LedgerEntry } from '../../events/entry.js';
import { DECISION_SHAPE, subject, type Decision } from '../../projections/decision.js';
import type { CryptoPort } from '../../projections/port.js';
import type { AnySlice, ReduceContext } from '../../projections/slice.js';
import { HASHED_MAP_LAYOUT } from '../../projections/hashmap.js';
import { canonicalJson, sha256Hex } from '../canonical.js';

/** The whole projected state: one record per slice, keyed by slice name. */
export type LedgerState = Readonly<Record<string, unknown>>;

/** Slice name → slice version; a snapshot is only reused when these match. */
export type SliceVersions = Readonly<Record<string, number>>;

// Our own immer instance: auto-freeze walks every new object of a large state and is the
// main cost of a fold; we never mutate outside `produce`, so freezing buys nothing here.
// A private instance leaves the embedding client's global immer settings alone.
const immer = new Immer({ autoFreeze: false });

/**
 * Folds log entries into the ledger state: every slice, in a fixed order, inside one
 * immer `produce` per call. Pure given the crypto port: the same entries from the same
 * state give the same result.
 */
export class Projector {
  readonly versions: SliceVersions;

  constructor(
    readonly slices: readonly AnySlice[],
    private readonly crypto: CryptoPort,
  ) {
    // The state layout shared by every slice is part of every snapshot's shape; the
    // decision record's shape is part of the decisions kept beside it, which are rebuilt
    // with the state when a version changes.
    const versions: Record<string, number> = { '@layout': HASHED_MAP_LAYOUT, '@decisions': DECISION_SHAPE };
    for (const s of slices) {
      if (versions[s.name] !== undefined) throw new Error(`two slices named ${s.name}`);
      versions[s.name] = s.version;
    }
    this.versions = versions;
  }

  initial(): LedgerState {
    const state: Record<string, unknown> = {};
    for (const s of this.slices) state[s.name] = s.initial();
    return state;
  }

  /**
   * Folds `entries` (in order) into `state`. Decisions are appended to `decisions` in the
   * order they are taken. A reducer that throws is a bug, not a reason to stop the
   * engine: it is recorded as an `engine.reducer_failed` decision and the fold goes on.
   */
  fold(state: LedgerState, entries: readonly LedgerEntry[], decisions?: Decision[]): LedgerState {
    if (entries.length === 0) return state;
    return immer.produce(state, (draft: Record<string, unknown>) => {
      // One context per slice for the whole call (not per entry): a fold of thousands of
      // entries would otherwise allocate a context and a closure for each entry and slice.
      let entry = entries[0]!;
      const contexts = this.slices.map((slice): ReduceContext => ({
        crypto: this.crypto,
        root: draft,
        decide: (d) => {
          decisions?.push({ seq: entry.seq, slice: slice.name, ...d, because: [...d.because].sort((a, b) => a - b) });
        },
      }));
      // Each slice's draft, taken once: a slice's reducer mutates its draft and never
      // replaces it, so the root holds the same draft for the whole call. A slice that
      // folds on a copy of its own (`Slice.copy`) gets it from the state before the call,
      // and the copy goes in when the call ends.
      const drafts = this.slices.map((slice) => (slice.copy !== undefined ? slice.copy(state[slice.name]) : draft[slice.name]));
      for (entry of entries) {
        // The log holds only what ingestion decoded and sealed into the chain, so each entry
        // is the `Entry` of its kind; a kind this version does not know falls through every
        // slice's switch untouched.
        const known = entry as Entry;
        for (let i = 0; i < this.slices.length; i++) {
          const slice = this.slices[i]!;
          const ctx = contexts[i]!;
          try {
            slice.reduce(drafts[i] as never, known, ctx);
          } catch (err) {
            const failed = subject('input', entry.seq);
            ctx.decide({
              code: 'engine.reducer_failed',
              outcome: 'flagged',
              subject: failed.text,
              parts: failed.parts,
              because: [],
              detail: { slice: slice.name, error: String((err as Error)?.message ?? err) },
            });
          }
        }
      }
      for (let i = 0; i < this.slices.length; i++) if (this.slices[i]!.copy !== undefined) draft[this.slices[i]!.name] = drafts[i];
    }) as LedgerState;
  }
}

/** SHA-256 of the canonical JSON of a state: equal hashes, equal states. */
export function stateHash(state: LedgerState): string {
  return sha256Hex(canonicalJson(state));
}
