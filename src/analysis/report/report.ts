import type { Decision } from '../../../projections/decision.js';
import { reasonCodes } from '../../../projections/index.js';
import { redactSecrets } from '../../redact.js';
import type { VerifyReport } from '../../log/verify.js';
import { familyOf, familyTitle, integrityCode } from './families.js';
import { deeperCommand, incidents } from './incidents.js';
import { EntryTimer } from './times.js';
import { timeline, type TimelineBucket } from './timeline.js';
import type { LogSource } from '../sources/source.js';

export type { TimelineBucket } from './timeline.js';

/** `rejected` / `flagged`: a decision's outcome; `integrity`: a problem `verify()` found. */
export type AnomalyOutcome = 'rejected' | 'flagged' | 'integrity';

/** One anomaly: a decision that was not `accepted`, or a hash-chain / checkpoint problem. */
export interface Anomaly {
  readonly seq: number;
  /**
   * ISO time the input behind the entry at `seq` was received (see `EntryTimer`: the
   * envelope's `received_at`, else the clock at ingestion); null when the log has no such entry.
   */
  readonly time: string | null;
  readonly family: string;
  readonly code: string;
  readonly outcome: AnomalyOutcome;
  /** The slice that decided, or `verify` for an integrity problem. */
  readonly slice: string;
  /** As the network gave it: render it as text, never as markup. */
  readonly subject: string;
  readonly because: readonly number[];
  /** Secret-free details (redacted again here, whatever the slice put in). */
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
  /** The `keyledger` command that goes deeper: `why-utd` for an undecryptable message, else `explain` (or `verify`). */
  readonly command: string;
  /** The anomaly this one followed from (see {@link Incident}), or null for a cause. */
  readonly causedBy: { readonly seq: number; readonly code: string } | null;
}

/** One cause, then the anomalies that followed from it (a refused key, then the messages it left undecryptable). */
export interface Incident {
  readonly cause: Anomaly;
  /** In log order; empty for an anomaly that stands alone. */
  readonly effects: readonly Anomaly[];
}

/** How often one code occurs, with the spec sentence it enforces. */
export interface CodeCount {
  readonly code: string;
  readonly family: string;
  readonly outcome: AnomalyOutcome;
  readonly count: number;
  readonly summary: string;
  /** The spec sentence (verbatim) or "beyond the spec: …"; empty for a code no slice lists. */
  readonly spec: string;
  readonly section: string;
}

/** How many anomalies one family (a code's prefix before the first `.`) has, with its title. */
export interface FamilyCount {
  readonly family: string;
  readonly title: string;
  readonly count: number;
}

/** What `keyledger report --json` prints; the HTML report is drawn from the same value. */
export interface AnomalyReport {
  readonly log: {
    readonly path: string;
    readonly kind: LogSource['kind'];
    readonly entries: number;
    readonly headSeq: number;
    readonly owner: LogSource['owner'];
    /**
     * Earliest and latest time an input was received (ISO), null for an empty log. Entries
     * stamped with the clock at ingestion (`ledger_created`) count only in a log without inputs.
     */
    readonly firstTime: string | null;
    readonly lastTime: string | null;
    readonly verify: Pick<VerifyReport, 'ok' | 'firstBadSeq' | 'checkpoints' | 'uncoveredTail' | 'warnings'> & { readonly problems: number };
  };
  readonly totals: {
    readonly anomalies: number;
    /** Most frequent first, then by name. */
    readonly byFamily: readonly FamilyCount[];
    readonly byCode: readonly CodeCount[];
  };
  /** In log order. */
  readonly anomalies: readonly Anomaly[];
  /** The story: every anomaly once, each effect under its cause, causes in log order. */
  readonly incidents: readonly Incident[];
  /** Equal buckets from `log.firstTime` to `log.lastTime`; anomalies without a time or outside that span are not in it. */
  readonly timeline: readonly TimelineBucket[];
  /** How many anomalies the timeline leaves out (no time, or stamped outside the inputs' span). */
  readonly outsideTimeline: number;
}

const byCode = new Map(reasonCodes.map((c) => [c.code, c]));

/** An anomaly before its deeper command and its cause are known. */
type Found = Omit<Anomaly, 'command' | 'causedBy'>;

/** Options of {@link anomalyReport}. */
export interface AnomalyReportOptions {
  /** Called as the log is read: about `done` of `total` entries' worth of work. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Lists every anomaly in a log: each decision whose outcome is `rejected` or `flagged`
 * (under the current rules) and each problem `verify()` finds, with the time of its entry,
 * grouped and counted by family and code, with a timeline. Works only from the
 * {@link LogSource} and the decision records, so codes of slices added later appear
 * unchanged. Does not close the source.
 *
 * @throws whatever the source throws while reading (a `CorruptStoreError`, a closed ledger).
 */
export async function anomalyReport(source: LogSource, options: AnomalyReportOptions = {}): Promise<AnomalyReport> {
  const total = source.headSeq() + 1;
  const progress = options.onProgress;
  // Three passes over the log (verify, decisions, times): progress counts them as one.
  const verify = await source.verify(progress ? { onProgress: (seq) => progress((seq + 1) / 3, total) } : undefined);
  // Each decision becomes its anomaly as it is read (time filled in below): a million
  // decisions are never held twice.
  const fromDecisions: { -readonly [K in keyof Found]: Found[K] }[] = [];
  if (source.streamDecisions) {
    for await (const d of source.streamDecisions()) if (d.outcome === 'rejected' || d.outcome === 'flagged') fromDecisions.push(fromDecision(d, null));
    // As the two lists merged below: at one seq, rejected before flagged (the sort is stable).
    fromDecisions.sort((a, b) => a.seq - b.seq || (a.outcome === b.outcome ? 0 : a.outcome === 'rejected' ? -1 : 1));
  } else {
    for (const d of mergeBySeq(await source.decisions({ outcome: 'rejected' }), await source.decisions({ outcome: 'flagged' }))) fromDecisions.push(fromDecision(d, null));
  }
  progress?.((2 * total) / 3, total);
  const seqs = new Set<number>([...fromDecisions.map((a) => a.seq), ...verify.problems.map((p) => p.seq)]);
  const timer = new EntryTimer();
  let entries = 0;
  for await (const e of source.entries()) {
    entries++;
    if (progress && (entries & 4095) === 0) progress(((2 * total) + e.seq + 1) / 3, total);
    timer.add(e);
  }
  const { timeOf, first, last } = timer.result();
  const times = new Map([...seqs].filter((s) => timeOf(s) !== undefined).map((s) => [s, timeOf(s)!]));
  const iso = (seq: number) => (times.has(seq) ? new Date(times.get(seq)!).toISOString() : null);
  for (const a of fromDecisions) a.time = iso(a.seq);
  const found: Found[] = [
    ...fromDecisions,
    ...verify.problems.map((p): Found => ({
      seq: p.seq,
      time: iso(p.seq),
      family: familyOf(p.code),
      code: p.code,
      outcome: 'integrity',
      slice: 'verify',
      subject: `entry ${p.seq}`,
      because: [],
      detail: { message: p.message },
    })),
  ].sort((a, b) => a.seq - b.seq); // stable: at one seq, decisions keep their order
  const withCommands = found.map((a) => ({ ...a, command: deeperCommand(source.path, a) }));
  const causes = new Map<(typeof withCommands)[number], Anomaly['causedBy']>();
  const grouped = incidents(withCommands);
  for (const g of grouped) for (const e of g.effects) causes.set(e, { seq: g.cause.seq, code: g.cause.code });
  const complete = new Map(withCommands.map((a): [(typeof withCommands)[number], Anomaly] => [a, { ...a, causedBy: causes.get(a) ?? null }]));
  const anomalies = [...complete.values()];
  const hasTime = Number.isFinite(first);
  const inSpan = anomalies.filter((a) => times.has(a.seq) && times.get(a.seq)! >= first && times.get(a.seq)! <= last);
  return {
    log: reportLog(source, entries, first, last, verify),
    totals: { anomalies: anomalies.length, byFamily: familyCounts(anomalies), byCode: codeCounts(anomalies) },
    anomalies,
    incidents: grouped.map((g) => ({ cause: complete.get(g.cause)!, effects: g.effects.map((e) => complete.get(e)!) })),
    timeline: hasTime ? timeline(inSpan, (seq) => times.get(seq), first, last) : [],
    outsideTimeline: anomalies.length - (hasTime ? inSpan.length : 0),
  };
}

/** A decision's anomaly, before its deeper command and its cause are known (secrets redacted). */
export function fromDecision(d: Decision, time: string | null): Omit<Anomaly, 'command' | 'causedBy'> {
  return {
    seq: d.seq,
    time,
    family: familyOf(d.code),
    code: d.code,
    outcome: d.outcome as AnomalyOutcome,
    slice: d.slice,
    subject: d.subject,
    because: [...d.because],
    detail: redactSecrets({ ...d.detail }),
  };
}

/** Two lists in log order, merged into one in log order. */
export function mergeBySeq(a: readonly Decision[], b: readonly Decision[]): Decision[] {
  const out: Decision[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]!.seq <= b[j]!.seq) ? a[i++]! : b[j++]!);
  return out;
}

/** Counts in descending order, ties by name, so the output is stable. */
export function ranked<T extends { count: number }>(items: Iterable<T>, name: (t: T) => string): T[] {
  return [...items].sort((x, y) => y.count - x.count || name(x).localeCompare(name(y)));
}

function familyCounts(anomalies: readonly Anomaly[]): FamilyCount[] {
  const counts = new Map<string, number>();
  for (const a of anomalies) counts.set(a.family, (counts.get(a.family) ?? 0) + 1);
  return ranked([...counts].map(([family, count]) => ({ family, title: familyTitle(family), count })), (f) => f.family);
}

function codeCounts(anomalies: readonly Anomaly[]): CodeCount[] {
  const counts = new Map<string, { first: Anomaly; count: number }>();
  for (const a of anomalies) {
    const c = counts.get(a.code);
    if (c) c.count++;
    else counts.set(a.code, { first: a, count: 1 });
  }
  return ranked([...counts.values()].map(({ first, count }) => codeCount(first, count)), (r) => r.code);
}

/** The row of one code, described by the first anomaly that has it. */
export function codeCount(first: Pick<Anomaly, 'code' | 'family' | 'outcome' | 'detail'>, count: number): CodeCount {
  const reason = first.outcome === 'integrity' ? integrityCode(first.code, String(first.detail.message ?? '')) : byCode.get(first.code);
  return {
    code: first.code,
    family: first.family,
    outcome: first.outcome,
    count,
    summary: reason?.summary ?? '(a code no slice lists)',
    spec: reason?.spec ?? '',
    section: reason?.section ?? '',
  };
}

/** The report's `log` part: what was read, its span of input times, and what `verify` found. */
export function reportLog(source: LogSource, entries: number, first: number, last: number, verify: VerifyReport): AnomalyReport['log'] {
  const hasTime = Number.isFinite(first);
  return {
    path: source.path,
    kind: source.kind,
    entries,
    headSeq: source.headSeq(),
    owner: source.owner,
    firstTime: hasTime ? new Date(first).toISOString() : null,
    lastTime: hasTime ? new Date(last).toISOString() : null,
    verify: {
      ok: verify.ok,
      firstBadSeq: verify.firstBadSeq,
      problems: verify.problems.length,
      checkpoints: verify.checkpoints,
      uncoveredTail: verify.uncoveredTail,
      warnings: verify.warnings,
    },
  };
}
