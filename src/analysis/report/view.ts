/**
 * What the text and HTML reports are drawn from, whether the report is in memory
 * ({@link anomalyReport}) or on disk ({@link openStreamedReport}): the small parts whole,
 * the anomalies as streams, so one renderer serves both and holds a row at a time.
 */
import type { Anomaly, AnomalyReport, FamilyCount } from './report.js';

/** One incident: its cause, and its effects read when asked for. */
export interface IncidentView {
  readonly cause: Anomaly;
  readonly effectCount: number;
  /** How many effects have each code, codes in order of first appearance. */
  readonly effectCodes: readonly { readonly code: string; readonly count: number }[];
  /** In log order. */
  effects(): AsyncIterable<Anomaly>;
}

/** A report to render: {@link AnomalyReport} but for its two long lists, which are streamed. */
export interface ReportView {
  readonly log: AnomalyReport['log'];
  readonly totals: AnomalyReport['totals'];
  readonly timeline: AnomalyReport['timeline'];
  readonly outsideTimeline: number;
  /** `totals.byFamily` in the order the story meets them: a cause's family before its effects'. */
  readonly familiesInStoryOrder: readonly FamilyCount[];
  /** In log order; only those of `family` when it is given. */
  anomalies(family?: string): AsyncIterable<Anomaly>;
  /** Causes in log order. */
  incidents(): AsyncIterable<IncidentView>;
}

/** The view of a report held in memory. */
export function reportView(report: AnomalyReport): ReportView {
  return {
    log: report.log,
    totals: report.totals,
    timeline: report.timeline,
    outsideTimeline: report.outsideTimeline,
    familiesInStoryOrder: inStoryOrder(
      report.totals.byFamily,
      report.incidents.flatMap((i) => [i.cause, ...i.effects]).map((a) => a.family),
    ),
    async *anomalies(family?: string) {
      for (const a of report.anomalies) if (family === undefined || a.family === family) yield a;
    },
    async *incidents() {
      for (const { cause, effects } of report.incidents) {
        yield {
          cause,
          effectCount: effects.length,
          effectCodes: countsInOrder(effects.map((e) => e.code)),
          async *effects() {
            yield* effects;
          },
        };
      }
    },
  };
}

/** The families, ordered by where each first appears in `story` (every anomaly's family, cause before effects). */
export function inStoryOrder(families: readonly FamilyCount[], story: Iterable<string>): FamilyCount[] {
  const rank = new Map<string, number>();
  for (const family of story) if (!rank.has(family)) rank.set(family, rank.size);
  return [...families].sort((x, y) => (rank.get(x.family) ?? -1) - (rank.get(y.family) ?? -1));
}

/** How often each name occurs, in order of first appearance. */
export function countsInOrder(names: Iterable<string>): { code: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([code, count]) => ({ code, count }));
}
