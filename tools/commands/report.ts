import { Command } from 'commander';
import { openStreamedReport, reportHtml, type Anomaly, type ReportView } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { keyValues, plural, prose, table, tableLine } from '../format.js';
import { OutFile } from '../outfile.js';
import { Progress } from '../progress.js';

interface ReportOptions {
  html?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * Subjects come from the network: a control character in a user ID must not drive the
 * analyst's terminal, so it is shown as an escape.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `30 s`, `5 min`, `7 d`: a bucket size as people say it. */
function duration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000]] as const) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms / 1000} s`;
}

const ROW_HEADER = ['seq', 'time', 'code', 'subject', 'detail'] as const;

/** An anomaly's row in its family's table. */
function anomalyRow(a: Anomaly): string[] {
  return [String(a.seq), a.time ?? '-', a.code, printable(a.subject), printable(keyValues(a.detail))];
}

/**
 * The human report: summary, the incidents cause first, then one table per family, then the
 * busy time buckets. Line by line, holding one anomaly at a time.
 */
export async function* reportLines(r: ReportView): AsyncGenerator<string> {
  const { log, totals } = r;
  const v = log.verify;
  const owner = log.owner ? `${log.owner.userId} ${log.owner.deviceId}` : 'an unknown device';
  yield `${printable(log.path)} (${log.kind}): ${plural(log.entries, 'entry', 'entries')}, seq 0–${log.headSeq}, written by ${printable(owner)}`;
  if (log.firstTime) yield `received ${log.firstTime} to ${log.lastTime}`;
  yield v.ok
    ? `integrity: hash chain intact; ${v.checkpoints.count === 0 ? 'no signed checkpoints to check' : `${v.checkpoints.valid} of ${v.checkpoints.count} signed checkpoints valid`}`
    : `integrity: BROKEN, ${plural(v.problems, 'problem')}, first bad entry seq ${v.firstBadSeq ?? '?'} (listed below)`;
  for (const w of v.warnings) yield `  warning: ${w}`;
  yield '';
  yield `${plural(totals.anomalies, 'anomaly', 'anomalies')} in ${plural(totals.byFamily.length, 'family', 'families')}`;
  if (totals.anomalies === 0) return;
  for (const l of table(['family', '', 'count'], totals.byFamily.map((f) => [f.title, f.family, String(f.count)]))) yield `  ${l}`;
  yield '';
  yield 'What happened (each cause, then what followed from it; the command goes deeper):';
  // Each family's table is aligned to its widest cells, which must be known before its
  // first row: measured here, where every anomaly passes once.
  const widths = new Map<string, number[]>();
  const measure = (a: Anomaly) => {
    let w = widths.get(a.family);
    if (w === undefined) widths.set(a.family, (w = ROW_HEADER.map((h) => h.length)));
    anomalyRow(a).forEach((cell, i) => (w[i] = Math.max(w[i]!, cell.length)));
  };
  for await (const incident of r.incidents()) {
    const { cause } = incident;
    measure(cause);
    yield `  seq ${cause.seq}  ${cause.code}  ${printable(cause.subject)}`;
    yield `      $ ${printable(cause.command)}`;
    for await (const e of incident.effects()) {
      measure(e);
      yield `    → seq ${e.seq}  ${e.code}  ${printable(e.subject)}`;
      yield `        $ ${printable(e.command)}`;
    }
  }
  // The families in the order the story meets them, as in the HTML: the cause's before its effects'.
  for (const f of r.familiesInStoryOrder) {
    yield '';
    yield `${f.title} (${f.family}): ${f.count}`;
    for (const c of totals.byCode.filter((c) => c.family === f.family)) {
      yield `  ${c.code}  ${c.outcome}  ×${c.count}: ${c.summary}`;
      if (c.spec) yield `    spec (${c.section}): ${c.spec}`;
    }
    const w = widths.get(f.family) ?? ROW_HEADER.map((h) => h.length);
    yield `  ${tableLine(ROW_HEADER, w)}`;
    for await (const a of r.anomalies(f.family)) yield `  ${tableLine(anomalyRow(a), w)}`;
  }
  const busy = r.timeline.filter((b) => b.count > 0);
  if (busy.length > 0) {
    const max = Math.max(...busy.map((b) => b.count));
    yield '';
    yield `timeline (${duration(Date.parse(r.timeline[0]!.end) - Date.parse(r.timeline[0]!.start))} buckets, UTC; the ${busy.length} of ${r.timeline.length} with anomalies):`;
    for (const b of busy) yield `  ${b.start}  ${'█'.repeat(Math.max(1, Math.round((b.count / max) * 40)))} ${b.count}`;
  }
}

export const reportCommand: CommandModule = {
  name: 'report',
  create(ctx: CliContext) {
    return new Command('report')
      .summary('every anomaly in a log, grouped and counted, with a timeline')
      .description(
        prose(
          'List every anomaly in a log, for forensics on a copied ledger folder or an NDJSON\n' +
            'export: each decision that was rejected or flagged (under the current rules) and\n' +
            'each hash-chain or checkpoint problem, with its seq, time, subject and the spec\n' +
            'sentence it enforces, grouped by family and code, with a timeline. Secrets are\n' +
            'redacted.\n\n' +
            '--html writes one self-contained page (no script, nothing loaded from the network)\n' +
            'with a timeline chart and a table per family. Exit code 0 whatever the log holds.',
        ),
      )
      .addOption(sourceOption())
      .option('--html <file>', 'also write the report as one self-contained HTML file')
      .option('--json', 'print the report as one JSON document: {log, totals, anomalies, incidents, timeline, outsideTimeline}')
      .option('-q, --quiet', 'no progress bar on stderr (there is none when stderr is not a terminal)')
      .addHelpText('after', '\nExamples:\n  keyledger report --source copy-of-ledger/\n  keyledger report --source export.ndjson --html report.html')
      .action(async (opts: ReportOptions, cmd: Command) => {
        // Every output is drawn from the report on disk, in bounded memory: the report of a
        // million anomalies, held whole, took gigabytes.
        const reading = new Progress(ctx.io.stderr, { label: 'reading the log', unit: 'entries', quiet: opts.quiet });
        const report = await ctx.withSource(cmd, (source) => openStreamedReport(source, reading.active ? { onProgress: (done, total) => reading.update(Math.round(done), total) } : {}));
        reading.done();
        try {
          // Writing reads every anomaly back, once for the HTML, twice for the text or the JSON.
          const writing = new Progress(ctx.io.stderr, { label: 'writing the report', unit: 'anomalies', quiet: opts.quiet });
          const reads = report.totals.anomalies * ((opts.html === undefined ? 0 : 1) + 2);
          const tick = () => writing.update(report.readBack, reads);
          if (opts.html !== undefined) {
            const file = await OutFile.create(opts.html);
            try {
              for await (const piece of reportHtml(report)) {
                await file.writer.write(piece);
                tick();
              }
              await file.commit();
            } catch (err) {
              await file.abort();
              throw err;
            }
            await ctx.note(`wrote the HTML report to ${opts.html}`);
          }
          // On one terminal the bar would land inside the output, which shows its own progress.
          if (ctx.out.isTTY) writing.done();
          const shown = ctx.out.isTTY ? () => undefined : tick;
          if (opts.json) {
            for await (const piece of report.json()) {
              await ctx.out.write(piece);
              shown();
            }
          } else {
            for await (const line of reportLines(report)) {
              await ctx.out.line(line);
              shown();
            }
          }
          writing.done();
        } finally {
          await report.close();
        }
      });
  },
};
