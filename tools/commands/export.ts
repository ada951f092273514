import { Command, Option } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { compact, plural, prose } from '../format.js';
import { OutFile } from '../outfile.js';
import { parseSeq } from '../parse.js';
import { redactEntry } from '../redact.js';

interface ExportOptions {
  includeSecrets?: boolean;
  out?: string;
  from?: number;
  to?: number;
}

export const exportCommand: CommandModule = {
  name: 'export',
  create(ctx: CliContext) {
    return new Command('export')
      .summary('write the log as NDJSON (secrets redacted)')
      .description(
        prose(
          'Write the log entries as NDJSON, one whole entry per line, in order: nothing else,\n' +
            'so the output is a plain list of entries. Secrets (Megolm session keys, private\n' +
            'keys) are redacted unless --include-secrets; a redacted entry no longer matches its\n' +
            'hash, so verify the ledger itself, not a redacted export.',
        ),
      )
      .option('--include-secrets', 'keep secrets (the export then holds key material!)')
      .option('--out <file>', 'write to this file instead of stdout (written whole, then renamed into place)')
      .addOption(new Option('--from <seq>', 'first seq to export').argParser(parseSeq))
      .addOption(new Option('--to <seq>', 'last seq to export').argParser(parseSeq))
      .action(async (opts: ExportOptions, cmd: Command) => {
        if (opts.from !== undefined && opts.to !== undefined && opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`);
        const file = opts.out === undefined ? undefined : await OutFile.create(opts.out);
        const out = file?.writer ?? ctx.out;
        let count = 0;
        try {
          await ctx.withLedger(cmd, opts.includeSecrets ? 'read-secrets' : 'read', async (ledger) => {
            for await (const entry of ledger.entries({ from: opts.from, to: opts.to })) {
              file?.check();
              await out.line(compact(opts.includeSecrets ? ledger.revealSecrets(entry) : redactEntry(entry)));
              count++;
            }
          });
          await file?.commit();
        } catch (err) {
          await file?.abort();
          throw err;
        }
        if (!opts.includeSecrets) await ctx.note('secrets were redacted (use --include-secrets to keep them)');
        else await ctx.note('warning: the export includes secrets (Megolm session keys); keep it safe');
        if (opts.out !== undefined) await ctx.note(`exported ${plural(count, 'entry', 'entries')} to ${opts.out}`);
      });
  },
};
