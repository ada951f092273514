import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { LedgerEntry } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, STORE_KEY_ENV, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, plural, prose } from '../format.js';
import { OutFile } from '../outfile.js';
import { Progress } from '../progress.js';
import { parseSeq } from '../parse.js';
import { redactEntry } from '../redact.js';

interface ExportOptions {
  includeSecrets?: boolean;
  out?: string;
  from?: number;
  to?: number;
  skipDamaged?: boolean;
  quiet?: boolean;
}

/** `entry 7`, `entries 7–12`, `entries from 7 on`. */
function range(first: number, last: number | null): string {
  return last === null ? `entries from ${first} on` : first === last ? `entry ${first}` : `entries ${first}–${last}`;
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
            'hash, so verify the ledger itself, not a redacted export.\n\n' +
            'An export is the whole range or it fails: at the first entry that is missing or\n' +
            'cannot be read (a damaged table) it stops with exit code 3, naming the entries\n' +
            '(and --out leaves no file). With --skip-damaged it goes on past them and lists\n' +
            'on stderr every range it skipped.',
        ),
      )
      .option('--include-secrets', 'keep secrets (the export then holds key material!)')
      .option('--out <file>', 'write to this file instead of stdout (written whole, then renamed into place)')
      .addOption(new Option('--from <seq>', 'first seq to export').argParser(parseSeq))
      .addOption(new Option('--to <seq>', 'last seq to export').argParser(parseSeq))
      .addOption(sourceOption())
      .option('-q, --quiet', 'no progress bar on stderr (there is none when stderr is not a terminal)')
      .option('--skip-damaged', 'export what can be read, past missing or unreadable entries, and list what was skipped')
      .action(async (opts: ExportOptions, cmd: Command) => {
        if (opts.from !== undefined && opts.to !== undefined && opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`, EXIT.USAGE);
        const path = ctx.sourcePath(cmd);
        if (opts.includeSecrets && isFile(path)) throw new CliError(`${path} is an export: only the ledger folder (with ${STORE_KEY_ENV}) can reveal secrets`, EXIT.USAGE);
        const file = opts.out === undefined ? undefined : await OutFile.create(opts.out);
        const out = file?.writer ?? ctx.out;
        let count = 0;
        const skipped: string[] = [];
        // A gap stops the export (or, with --skip-damaged, is listed and stepped over).
        const gap = (first: number, last: number | null, why: 'missing' | 'unreadable') => {
          const what = `${range(first, last)} ${first === last ? 'is' : 'are'} ${why === 'missing' ? 'missing' : 'unreadable (a damaged table)'}`;
          if (!opts.skipDamaged) {
            throw new CliError(`${what}: the export stops there, after ${plural(count, 'entry', 'entries')} (--skip-damaged exports the rest and lists what it skipped)`);
          }
          skipped.push(what);
        };
        try {
          // Every entry in order, each gap named; `entries` reads a ledger folder or an export.
          const copy = async (entries: AsyncIterable<LedgerEntry>, headSeq: number, shown: (e: LedgerEntry) => LedgerEntry, moved: { expected: number }) => {
            const progress = new Progress(ctx.io.stderr, { label: 'exporting', unit: 'entries', quiet: opts.quiet });
            const total = Math.min(opts.to ?? Number.MAX_SAFE_INTEGER, headSeq) + 1;
            for await (const entry of entries) {
              if (entry.seq > moved.expected) gap(moved.expected, entry.seq - 1, 'missing');
              moved.expected = entry.seq + 1;
              file?.check();
              await out.line(compact(shown(entry)));
              count++;
              progress.update(entry.seq + 1, total);
            }
            progress.done();
            const last = Math.min(opts.to ?? Number.MAX_SAFE_INTEGER, headSeq);
            if (moved.expected <= last) gap(moved.expected, last, 'missing');
          };
          const moved = { expected: opts.from ?? 0 };
          const onUnreadable = (g: { first: number; last: number | null }) => {
            gap(g.first, g.last, 'unreadable');
            moved.expected = g.last === null ? Infinity : g.last + 1;
          };
          if (isFile(path)) {
            // An export (to cut a range out of it): its chain was read whole, nothing is unreadable.
            await ctx.withSource(cmd, (source) => copy(source.entries({ from: opts.from, to: opts.to }), source.headSeq(), redactEntry, moved));
          } else {
            await ctx.withLedger(
              cmd,
              opts.includeSecrets ? 'read-secrets' : 'read',
              (ledger) =>
                copy(ledger.entries({ from: opts.from, to: opts.to, onUnreadable }), ledger.headSeq(), (e) => (opts.includeSecrets ? ledger.revealSecrets(e) : redactEntry(e)), moved),
              { path },
            );
          }
          await file?.commit();
        } catch (err) {
          await file?.abort();
          throw err;
        }
        for (const s of skipped) await ctx.note(`skipped: ${s}`);
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
