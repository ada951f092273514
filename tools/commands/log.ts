import { Command, Option } from 'commander';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, isoTime, prose } from '../format.js';
import { parseSeq } from '../parse.js';
import { redactEntry } from '../redact.js';
import { summarise } from '../entry-summary.js';

interface LogOptions {
  from?: number;
  to?: number;
  kind?: string;
  json?: boolean;
}

export const logCommand: CommandModule = {
  name: 'log',
  create(ctx: CliContext) {
    return new Command('log')
      .summary('list log entries, one line each')
      .description(
        prose(
        'List the entries of the append-only log, in order: seq, time received (ISO 8601),\n' +
          'kind, and a short summary (event type, sender and room; users of a /keys/query;\n' +
          'path and message of a rejected input). Secrets are always redacted.'),
      )
      .addOption(new Option('--from <seq>', 'first seq to list').argParser(parseSeq))
      .addOption(new Option('--to <seq>', 'last seq to list').argParser(parseSeq))
      .option('--kind <kind>', 'only entries of this kind (e.g. to_device, rejected_input)')
      .option('--json', 'JSON lines: one whole (redacted) entry per line')
      .addOption(sourceOption())
      .action(async (opts: LogOptions, cmd: Command) => {
        if (opts.from !== undefined && opts.to !== undefined && opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`, EXIT.USAGE);
        await ctx.withSource(cmd, async (source) => {
          const width = String(Math.max(0, source.headSeq())).length;
          for await (const entry of source.entries({ from: opts.from, to: opts.to })) {
            if (opts.kind !== undefined && entry.kind !== opts.kind) continue;
            const shown = redactEntry(entry);
            if (opts.json) await ctx.out.line(compact(shown));
            else await ctx.out.line(`${String(shown.seq).padStart(width)}  ${isoTime(shown.receivedAt)}  ${shown.kind}  ${summarise(shown)}`);
          }
        });
      });
  },
};
