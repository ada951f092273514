import { Command } from 'commander';
import { anomalyReport, anomalyReportJson, reportHtml, type AnomalyReport } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { compact, keyValues, plural, prose, table } from '../format.js';
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

/** The human report: summary, the incidents cause first, then one table per family, then the busy time buckets. */
export function reportLines(r: AnomalyReport): string[] {
  const { log, totals } = r;
  const v = log.verify;
  const owner = log.owner ? `${log.owner.userId} ${log.owner.deviceId}` : 'an unknown device';
  const lines = [`${printable(log.path)} (${log.kind}): ${plural(log.entries, 'entry', 'entries')}, seq 0–${log.headSeq}, written by ${printable(owner)}`];
  if (log.firstTime) lines.push(`received ${log.firstTime} to ${log.lastTime}`);
  lines.push(
    v.ok
      ? `integrity: hash chain intact; ${v.checkpoints.count === 0 ? 'no signed checkpoints to check' : `${v.checkpoints.valid} of ${v.checkpoints.count} signed checkpoints valid`}`
      : `integrity: BROKEN, ${plural(v.problems, 'problem')}, first bad entry seq ${v.firstBadSeq ?? '?'} (listed below)`,
  );
  for (const w of v.warnings) lines.push(`  warning: ${w}`);
  lines.push('', `${plural(totals.anomalies, 'anomaly', 'anomalies')} in ${plural(totals.byFamily.length, 'family', 'families')}`);
  if (totals.anomalies === 0) return lines;
  lines.push(...table(['family', '', 'count'], totals.byFamily.map((f) => [f.title, f.family, String(f.count)])).map((l) => `  ${l}`));
  lines.push('', 'What happened (each cause, then what followed from it; the command goes deeper):');
  for (const { cause, effects } of r.incidents) {
    lines.push(`  seq ${cause.seq}  ${cause.code}  ${printable(cause.subject)}`, `      $ ${printable(cause.command)}`);
    for (const e of effects) lines.push(`    → seq ${e.seq}  ${e.code}  ${printable(e.subject)}`, `        $ ${printable(e.command)}`);
  }
  // The families in the order the story meets them, as in the HTML: the cause's before its effects'.
  const storyOrder = r.incidents.flatMap((i) => [i.cause, ...i.effects]).map((a) => a.family);
  for (const f of [...totals.byFamily].sort((x, y) => storyOrder.indexOf(x.family) - storyOrder.indexOf(y.family))) {
    lines.push('', `${f.title} (${f.family}): ${f.count}`);
    for (const c of totals.byCode.filter((c) => c.family === f.family)) {
      lines.push(`  ${c.code}  ${c.outcome}  ×${c.count}: ${c.summary}`);
      if (c.spec) lines.push(`    spec (${c.section}): ${c.spec}`);
    }
    const rows = r.anomalies
      .filter((a) => a.family === f.family)
      .map((a) => [String(a.seq), a.time ?? '-', a.code, printable(a.subject), printable(keyValues(a.detail))]);
    lines.push(...table(['seq', 'time', 'code', 'subject', 'detail'], rows).map((l) => `  ${l}`));
  }
  const busy = r.timeline.filter((b) => b.count > 0);
  if (busy.length > 0) {
    const max = Math.max(...busy.map((b) => b.count));
    lines.push('', `timeline (${duration(Date.parse(r.timeline[0]!.end) - Date.parse(r.timeline[0]!.start))} buckets, UTC; the ${busy.length} of ${r.timeline.length} with anomalies):`);
    for (const b of busy) lines.push(`  ${b.start}  ${'█'.repeat(Math.max(1, Math.round((b.count / max) * 40)))} ${b.count}`);
  }
  return lines;
}

/**
 * `JSON.stringify(report)` and a newline, in pieces: one string of a million anomalies
 * would take gigabytes, or pass V8's limit on a string's length. For a report already in
 * memory (with `--html`); `--json` alone streams it with `anomalyReportJson`.
 */
export function* reportJson(report: AnomalyReport): Generator<string> {
  let piece = '{';
  let key = 0;
  for (const [name, value] of Object.entries(report)) {
    if (value === undefined) continue; // as JSON.stringify leaves it out
    piece += `${key++ === 0 ? '' : ','}${compact(name)}:`;
    if (!Array.isArray(value)) {
      piece += compact(value);
      continue;
    }
    piece += '[';
    for (let i = 0; i < value.length; i++) {
      piece += (i === 0 ? '' : ',') + compact(value[i]);
      if (piece.length >= 1 << 16) {
        yield piece;
        piece = '';
      }
    }
    piece += ']';
  }
  yield `${piece}}\n`;
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
        const progress = new Progress(ctx.io.stderr, { label: 'reading the log', unit: 'entries', quiet: opts.quiet });
        const onProgress = (done: number, total: number) => progress.update(Math.round(done), total);
        if (opts.json && opts.html === undefined) {
          // Written as it is made: the whole report of a million anomalies took gigabytes.
          // On one terminal the bar would land inside the JSON: it stops where the output starts.
          const sameScreen = (ctx.io.stdout as { isTTY?: boolean }).isTTY === true;
          let writing = false;
          await ctx.withSource(cmd, async (source) => {
            const options = progress.active ? { onProgress: (done: number, total: number) => writing || onProgress(done, total) } : {};
            for await (const piece of anomalyReportJson(source, options)) {
              if (sameScreen && !writing) progress.done();
              writing = sameScreen;
              await ctx.out.write(piece);
            }
          });
          progress.done();
          return;
        }
        const report = await ctx.withSource(cmd, (source) => anomalyReport(source, progress.active ? { onProgress } : {}));
        progress.done();
        if (opts.html !== undefined) {
          const file = await OutFile.create(opts.html);
          try {
            await file.writer.write(reportHtml(report));
            await file.commit();
          } catch (err) {
            await file.abort();
            throw err;
          }
          await ctx.note(`wrote the HTML report to ${opts.html}`);
        }
        if (opts.json) for (const piece of reportJson(report)) await ctx.out.write(piece);
        else for (const line of reportLines(report)) await ctx.out.line(line);
      });
  },
};
