import type { LedgerEntry } from '../../../events/entry.js';

/**
 * When the input behind each entry was received, for the report.
 *
 * An entry's `receivedAt` is the envelope's `received_at` when it had one, else the clock at
 * ingestion: `ledger_created` and (in logs written before rejected inputs kept their
 * envelope's time) `rejected_input` carry the wall clock of the machine that wrote the log,
 * while the inputs carry the times the client received them. A report of a log replayed
 * from a capture a year later would put everything in one bar of a year-long timeline, so it
 * times each entry by its input: the envelope's own `received_at`, the input a fact was
 * derived from (`input_seq`), or the `received_at` still readable in a rejected input's raw
 * text. Only the rest keeps the clock of ingestion.
 */
export interface EntryTimes {
  /** The time of each entry seen, by seq. */
  readonly bySeq: ReadonlyMap<number, number>;
  /** Earliest and latest time an input was received (±Infinity when no entry is an input). */
  readonly first: number;
  readonly last: number;
}

export class EntryTimer {
  private readonly times = new Map<number, number>();
  private first = Infinity;
  private last = -Infinity;
  /** Entries timed by the clock of ingestion only: used for the span when no entry is an input. */
  private clockFirst = Infinity;
  private clockLast = -Infinity;

  /** Times `entry` (entries must come in log order, so a fact's input is already timed). */
  add(entry: LedgerEntry): void {
    const own = inputReceivedAt(entry);
    const derived = own ?? this.derivedTime(entry);
    const time = derived ?? entry.receivedAt;
    if (!Number.isFinite(time)) return;
    this.times.set(entry.seq, time);
    if (derived !== undefined) {
      this.first = Math.min(this.first, time);
      this.last = Math.max(this.last, time);
    } else {
      this.clockFirst = Math.min(this.clockFirst, time);
      this.clockLast = Math.max(this.clockLast, time);
    }
  }

  result(): EntryTimes {
    const inputs = Number.isFinite(this.first);
    return { bySeq: this.times, first: inputs ? this.first : this.clockFirst, last: inputs ? this.last : this.clockLast };
  }

  private derivedTime(entry: LedgerEntry): number | undefined {
    const input = field(entry.payload, 'input_seq');
    return typeof input === 'number' ? this.times.get(input) : undefined;
  }
}

/** The `received_at` of the envelope an entry holds, or of a rejected input's raw text. */
function inputReceivedAt(entry: LedgerEntry): number | undefined {
  if (entry.kind === 'rejected_input') {
    const raw = field(entry.payload, 'raw');
    if (typeof raw !== 'string') return undefined;
    try {
      return receivedAt(JSON.parse(raw));
    } catch {
      return undefined; // not JSON: only the clock of ingestion tells when it came
    }
  }
  return receivedAt(entry.payload);
}

function receivedAt(value: unknown): number | undefined {
  const t = field(value, 'received_at');
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 ? t : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
