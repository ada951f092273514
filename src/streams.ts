/**
 * The hot rxjs streams a ledger exposes: entries and decisions as they are written, and
 * the state after each written batch. All complete when the ledger closes.
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { LedgerEntry } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import type { LedgerState } from './runtime/projector.js';

export class LedgerStreams {
  private readonly entries = new Subject<LedgerEntry>();
  private readonly decisions = new Subject<Decision>();
  private readonly state: BehaviorSubject<LedgerState>;
  readonly entries$: Observable<LedgerEntry>;
  readonly decisions$: Observable<Decision>;
  readonly state$: Observable<LedgerState>;

  constructor(initial: LedgerState) {
    this.state = new BehaviorSubject(initial);
    this.entries$ = this.entries.asObservable();
    this.decisions$ = this.decisions.asObservable();
    this.state$ = this.state.asObservable();
  }

  /** A batch was written: its entries, then its decisions, then the state after it. */
  written(entries: readonly LedgerEntry[], decisions: readonly Decision[], state: LedgerState): void {
    for (const e of entries) this.entries.next(e);
    for (const d of decisions) this.decisions.next(d);
    this.state.next(state);
  }

  complete(): void {
    this.entries.complete();
    this.decisions.complete();
    this.state.complete();
  }
}
