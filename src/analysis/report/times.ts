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
  /** The time of the entry at `seq`, if it was seen and has one. */
  timeOf(seq: number): number | undefined;
  /** Earliest and latest time an input was received (±Infinity when no entry is an input). */
  readonly first: number;
  readonly last: number;
}

export class EntryTimer {
  /** By seq, NaN where no time is known: 8 bytes an entry, where a Map of a million took ~70 MB. */
  private times = new Float64Array(1024).fill(NaN);
  private readonly scattered = new Map<number, number>();
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
    this.set(entry.seq, time);
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
    return { timeOf: (seq) => this.timeOf(seq), first: inputs ? this.first : this.clockFirst, last: inputs ? this.last : this.clockLast };
  }

  private timeOf(seq: number): number | undefined {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.times.length) return this.scattered.get(seq);
    const t = this.times[seq]!;
    return Number.isNaN(t) ? this.scattered.get(seq) : t;
  }

  private set(seq: number, time: number): void {
    // A seq far past the others (a hand-edited export) must not allocate up to it.
    if (!Number.isInteger(seq) || seq < 0 || seq >= 2 * this.times.length) {
      this.scattered.set(seq, time);
      return;
    }
    if (seq >= this.times.length) {
      const grown = new Float64Array(2 * this.times.length).fill(NaN);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[seq] = time;
  }

  private derivedTime(entry: LedgerEntry): number | undefined {
    const input = field(entry.payload, 'input_seq');
    return typeof input === 'number' ? this.timeOf(input) : undefined;
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
