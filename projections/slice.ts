import type { Draft } from 'immer';
import type { Entry } from '../events/entry.js';
import type { Decision } from './decision.js';
import type { CryptoPort } from './port.js';

/** What a reducer may use besides its own state and the entry: all pure. */
export interface ReduceContext {
  readonly crypto: CryptoPort;
  /**
   * The whole ledger state as it stands while this entry is folded (slices before this
   * one have already seen the entry). Read it only through the selectors other slices
   * export; never write to it.
   */
  readonly root: Readonly<Record<string, unknown>>;
  /** Records a decision about the current entry (its `seq` and `slice` are filled in). */
  decide(decision: Omit<Decision, 'seq' | 'slice'>): void;
}

/**
 * A projection slice: `{ name, version, initial, reduce }`. `reduce` mutates an immer
 * draft; it must be pure (no clock, randomness or I/O: time is `entry.receivedAt`) and
 * must never throw. It switches on `entry.kind`, so each case sees its payload's own type,
 * and ends with `ignoreUnknownKind(entry)`, so a kind left out does not compile. Bumping
 * `version` rebuilds the slice from the log.
 */
export interface Slice<S> {
  readonly name: string;
  readonly version: number;
  initial(): S;
  reduce(draft: Draft<S>, entry: Entry, ctx: ReduceContext): void;
  /**
   * For a small state of plain counters that no other slice reads: a fresh copy of it
   * (every nested record copied too). The fold then hands `reduce` that copy, not a draft,
   * and puts it in the state when the fold ends, so an entry costs no proxy traps here
   * (they were most of the log slice's share of folding a room event). Until the fold
   * ends, `ctx.root` still shows this slice as it was before it.
   */
  copy?(state: S): S;
}

/** A slice whose state type has been forgotten, for lists of slices. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySlice = Slice<any>;
