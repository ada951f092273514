import { Command, Option } from 'commander';
import type { Decision, DecisionFilter } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { compact, keyValues, prose, table } from '../format.js';
import { oneOf, parseSeq } from '../parse.js';
import { redactDecision } from '../redact.js';

const OUTCOMES = ['accepted', 'rejected', 'flagged'] as const;

interface DecisionsOptions {
  code?: string;
  subject?: string;
  outcome?: Decision['outcome'];
  slice?: string;
  from?: number;
  to?: number;
  json?: boolean;
}

export const decisionsCommand: CommandModule = {
  name: 'decisions',
  create(ctx: CliContext) {
    return new Command('decisions')
      .summary('list accept/reject decisions with their reason codes')
      .description(
        prose(
        'List the decisions the reducers took, in log order: what (subject) was accepted,\n' +
          'rejected or flagged, by which rule (reason code), at which entry (seq), resting on\n' +
          'which earlier entries (because). Every filter narrows the list.'),
      )
      .option('--code <code>', 'reason code, exact, or a prefix ending in "." (e.g. input.)')
      .option('--subject <subject>', 'subject, exact, or a prefix ending in a space (e.g. "device @alice:example.org ")')
      .addOption(new Option('--outcome <outcome>', 'accepted, rejected or flagged').argParser(oneOf(OUTCOMES)))
      .option('--slice <name>', 'only decisions of this slice')
      .addOption(new Option('--from <seq>', 'only decisions caused by entries from this seq').argParser(parseSeq))
      .addOption(new Option('--to <seq>', 'only decisions caused by entries up to this seq').argParser(parseSeq))
      .addOption(sourceOption())
      .option('--json', 'JSON lines: seq, code, outcome, subject, parts (its IDs as fields), because, slice, detail')
      .addHelpText('after', '\nExamples:\n  keyledger decisions --outcome rejected\n  keyledger decisions --code input.rejected --json\n  keyledger decisions --source export.ndjson --code forwarded_key.')
      .action(async (opts: DecisionsOptions, cmd: Command) => {
        const filter: DecisionFilter = {};
        if (opts.code !== undefined) filter.code = opts.code;
        if (opts.subject !== undefined) filter.subject = opts.subject;
        if (opts.outcome !== undefined) filter.outcome = opts.outcome;
        if (opts.slice !== undefined) filter.slice = opts.slice;
        if (opts.from !== undefined) filter.fromSeq = opts.from;
        if (opts.to !== undefined) filter.toSeq = opts.to;
        const decisions = await ctx.withSource(cmd, (source) => source.decisions(filter));
        const shown = decisions.map(redactDecision);
        if (opts.json) {
          for (const d of shown) {
            await ctx.out.line(compact({ seq: d.seq, code: d.code, outcome: d.outcome, subject: d.subject, parts: d.parts, because: d.because, slice: d.slice, ...(d.detail ? { detail: d.detail } : {}) }));
          }
          return;
        }
        if (shown.length === 0) {
          await ctx.out.line('no decisions match');
          return;
        }
        const withDetail = shown.some((d) => d.detail !== undefined && Object.keys(d.detail).length > 0);
        const header = ['SEQ', 'OUTCOME', 'CODE', 'SUBJECT', 'BECAUSE', ...(withDetail ? ['DETAIL'] : [])];
        const rows = shown.map((d) => [
          String(d.seq),
          d.outcome,
          d.code,
          d.subject,
          d.because.length === 0 ? '-' : d.because.join(','),
          ...(withDetail ? [keyValues(d.detail)] : []),
        ]);
        for (const line of table(header, rows)) await ctx.out.line(line);
      });
  },
};
