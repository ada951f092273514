import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { LedgerEntry } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, STORE_KEY_ENV, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
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
      .addOption(sourceOption())
      .action(async (opts: ExportOptions, cmd: Command) => {
        if (opts.from !== undefined && opts.to !== undefined && opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`, EXIT.USAGE);
        const path = ctx.sourcePath(cmd);
        if (opts.includeSecrets && isFile(path)) throw new CliError(`${path} is an export: only the ledger folder (with ${STORE_KEY_ENV}) can reveal secrets`, EXIT.USAGE);
        const file = opts.out === undefined ? undefined : await OutFile.create(opts.out);
        const out = file?.writer ?? ctx.out;
        let count = 0;
        try {
          const write = async (entry: LedgerEntry) => {
            file?.check();
            await out.line(compact(entry));
            count++;
          };
          const range = { from: opts.from, to: opts.to };
          if (opts.includeSecrets) {
            await ctx.withLedger(cmd, 'read-secrets', async (ledger) => {
              for await (const entry of ledger.entries(range)) await write(ledger.revealSecrets(entry));
            }, { path });
          } else {
            // A ledger folder, or an export (to cut a range out of it).
            await ctx.withSource(cmd, async (source) => {
              for await (const entry of source.entries(range)) await write(redactEntry(entry));
            });
          }
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

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
