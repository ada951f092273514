/** Anomalies received in `[start, end)`, per family. */
export interface TimelineBucket {
  readonly start: string;
  readonly end: string;
  readonly count: number;
  readonly byFamily: Readonly<Record<string, number>>;
}

/** The timeline has at most this many buckets: enough to see bursts, few enough to draw. */
const MAX_BUCKETS = 60;
const S = 1_000;
const BUCKET_SIZES = [S, 5 * S, 10 * S, 30 * S, 60 * S, 300 * S, 600 * S, 1_800 * S, 3_600 * S, 3 * 3_600 * S, 6 * 3_600 * S, 12 * 3_600 * S, 86_400 * S, 7 * 86_400 * S, 30 * 86_400 * S, 365 * 86_400 * S];

/**
 * Counts anomalies in equal buckets from the log's first to its last `receivedAt`: the
 * smallest round size that needs at most 60 buckets, aligned to UTC.
 */
export function timeline(anomalies: Iterable<{ readonly seq: number; readonly family: string }>, timeOf: (seq: number) => number | undefined, first: number, last: number): TimelineBucket[] {
  const size = BUCKET_SIZES.find((s) => Math.floor(last / s) - Math.floor(first / s) < MAX_BUCKETS) ?? Math.ceil((last - first + 1) / (MAX_BUCKETS - 1)); // absurd clocks: still bounded
  const start = Math.floor(first / size) * size;
  const n = Math.floor((last - start) / size) + 1;
  const buckets = Array.from({ length: n }, (_, i) => ({ start: start + i * size, count: 0, byFamily: {} as Record<string, number> }));
  for (const a of anomalies) {
    const t = timeOf(a.seq);
    if (t === undefined) continue;
    const b = buckets[Math.min(n - 1, Math.floor((t - start) / size))]!;
    b.count++;
    b.byFamily[a.family] = (b.byFamily[a.family] ?? 0) + 1;
  }
  return buckets.map((b) => ({ start: new Date(b.start).toISOString(), end: new Date(b.start + size).toISOString(), count: b.count, byFamily: b.byFamily }));
}
