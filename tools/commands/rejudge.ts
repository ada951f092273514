import { Command } from 'commander';
import { rejudge, type RejudgeResult } from '../../src/index.js';
import { changeLines, rulesSection } from '../analysis-text.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, plural, prose } from '../format.js';

/** Exit code when the source has no recorded decisions to compare with (an export). */
export const NOTHING_RECORDED = EXIT.USAGE;

/** The result as text: every decision today's rules take differently, with both codes. */
export function rejudgeLines(r: RejudgeResult): string[] {
  const versions = Object.entries(r.sliceVersions).map(([name, v]) => `${name} v${v}`).join(', ');
  const out = [`rejudge: ${plural(r.recorded, 'decision')} recorded when the log was written, ${r.current} taken by today's rules (${versions})`];
  if (r.changes.length === 0) return [...out, 'No decision differs: today\'s rules decide this log as it was decided.'];
  out.push(`${plural(r.changes.length, 'decision')} ${r.changes.length === 1 ? 'differs' : 'differ'} (- recorded only, + today only, ~ both):`);
  for (const c of r.changes) out.push(...changeLines(c, 'recorded', 'today').map((l) => `  ${l}`));
  out.push(...rulesSection(r.changes.flatMap((c) => [c.after, c.before])));
  return out;
}

export const rejudgeCommand: CommandModule = {
  name: 'rejudge',
  create(ctx: CliContext) {
    return new Command('rejudge')
      .summary('replay an old log with today\'s rules; list every decision that differs')
      .description(
        prose(
          'Replay the log with the current reducers and compare every decision with the one\n' +
            'recorded when the log was written, matched by entry, subject and slice: added,\n' +
            'removed, or changed (both codes shown). So "would today\'s rules have caught this?"\n' +
            'has an answer. Needs a ledger folder: an NDJSON export carries entries, not the\n' +
            `decisions recorded with them (exit ${NOTHING_RECORDED}).`,
        ),
      )
      .addOption(sourceOption())
      .option('--json', 'one JSON object: recorded, current, changes, sliceVersions')
      .addHelpText('after', '\nExamples:\n  keyledger --db ./old-ledger rejudge\n  keyledger rejudge --source ./copy-of-ledger --json')
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const r = await ctx.withSource(cmd, (source) => rejudge(source));
        if (r === null) {
          throw new CliError('this source is an NDJSON export: it holds no decisions recorded when the log was written, so there is nothing to rejudge against (use the ledger folder, or `what-if`)', NOTHING_RECORDED);
        }
        if (opts.json) return void (await ctx.out.line(compact(r)));
        for (const line of rejudgeLines(r)) await ctx.out.line(line);
      });
  },
};
