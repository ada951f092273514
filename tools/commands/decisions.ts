import { Command, Option } from 'commander';
import type { Decision, DecisionFilter } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { compact, keyValues, outputWidth, prose, tableLines } from '../format.js';
import { Progress } from '../progress.js';
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
  quiet?: boolean;
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
      .option('--json', 'JSON lines: seq, code, outcome, subject, parts (its IDs as fields), because, slice, detail (values whole; the table cuts them to the terminal width)')
      .option('-q, --quiet', 'no progress bar on stderr (there is none when stderr is not a terminal)')
      .addHelpText('after', '\nExamples:\n  keyledger decisions --outcome rejected\n  keyledger decisions --code input.rejected --json\n  keyledger decisions --source export.ndjson --code forwarded_key.')
      .action(async (opts: DecisionsOptions, cmd: Command) => {
        const filter: DecisionFilter = {};
        if (opts.code !== undefined) filter.code = opts.code;
        if (opts.subject !== undefined) filter.subject = opts.subject;
        if (opts.outcome !== undefined) filter.outcome = opts.outcome;
        if (opts.slice !== undefined) filter.slice = opts.slice;
        if (opts.from !== undefined) filter.fromSeq = opts.from;
        if (opts.to !== undefined) filter.toSeq = opts.to;
        // Streamed: a million decisions are never in memory at once.
        await ctx.withSource(cmd, async (source) => {
          const progress = new Progress(ctx.io.stderr, { label: 'reading decisions', unit: 'entries', quiet: opts.quiet });
          const total = source.headSeq() + 1;
          const decisions = async function* () {
            for await (const d of source.streamDecisions ? source.streamDecisions(filter) : await source.decisions(filter)) {
              progress.update(d.seq + 1, total);
              yield redactDecision(d);
            }
          };
          try {
            if (opts.json) {
              for await (const d of decisions()) {
                await ctx.out.line(compact({ seq: d.seq, code: d.code, outcome: d.outcome, subject: d.subject, parts: d.parts, because: d.because, slice: d.slice, ...(d.detail ? { detail: d.detail } : {}) }));
              }
              return;
            }
            let shown = 0;
            const rows = async function* () {
              for await (const d of decisions()) {
                shown++;
                yield [String(d.seq), d.outcome, d.code, d.subject, d.because.length === 0 ? '-' : d.because.join(','), keyValues(d.detail)];
              }
            };
            const width = outputWidth(ctx.io.stdout, ctx.io.env);
            // SUBJECT, BECAUSE and DETAIL give up width first; --json has every value whole.
            for await (const line of tableLines(['SEQ', 'OUTCOME', 'CODE', 'SUBJECT', 'BECAUSE', 'DETAIL'], rows(), { width, flexible: [3, 4, 5, 2], minWidth: 12 })) {
              if (shown === 0) break; // the header alone: nothing matched
              await ctx.out.line(line);
            }
            if (shown === 0) await ctx.out.line('no decisions match');
          } finally {
            progress.done();
          }
        });
      });
  },
};
