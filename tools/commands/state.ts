import { Command, Option } from 'commander';
import { canonicalJson, redactSecrets, type LedgerState } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { pretty, prose } from '../format.js';
import { parseSeq } from '../parse.js';

interface StateOptions {
  at?: number;
  slice?: string;
  json?: boolean;
  includeSecrets?: boolean;
}

export const stateCommand: CommandModule = {
  name: 'state',
  create(ctx: CliContext) {
    return new Command('state')
      .summary('print the projected state (now, or after a given entry)')
      .description(
        prose(
        'Print the ledger state: every slice (log, identities, …) folded from the log, or one\n' +
          'slice with --slice. --at SEQ prints the state right after entry SEQ (time travel,\n' +
          'from the nearest snapshot). Human output: a header line with the seq and the state\n' +
          'hash, then pretty JSON. --json: the selected part only, as canonical JSON (compact, keys sorted).\n' +
          'Secrets are redacted unless --include-secrets.'),
      )
      .addOption(new Option('--at <seq>', 'the state right after this entry').argParser(parseSeq))
      .option('--slice <name>', 'print only this slice (e.g. log, identities)')
      .option('--json', 'canonical JSON (compact, keys sorted) of the selected part, without header')
      .option('--include-secrets', 'do not redact secrets (key material!)')
      .addOption(sourceOption())
      .action(async (opts: StateOptions, cmd: Command) => {
        await ctx.withSource(cmd, async (source) => {
          const head = source.headSeq();
          if (opts.at !== undefined && opts.at > head) throw new CliError(`--at ${opts.at} is beyond the end of the log (the last seq is ${head})`, EXIT.USAGE);
          const seq = opts.at ?? head;
          const state: LedgerState = opts.at === undefined ? source.state() : await source.stateAt(opts.at);
          let selected: unknown = state;
          if (opts.slice !== undefined) {
            if (!Object.prototype.hasOwnProperty.call(state, opts.slice)) {
              throw new CliError(`no slice named ${JSON.stringify(opts.slice)} (slices: ${Object.keys(state).join(', ')})`, EXIT.USAGE);
            }
            selected = state[opts.slice];
          }
          // Keys sorted (canonical JSON): the same state prints the same text, whether it was
          // folded here or read from a snapshot.
          const shownText = canonicalJson(opts.includeSecrets ? selected : redactSecrets(selected));
          if (opts.json) {
            await ctx.out.line(shownText);
            return;
          }
          const what = opts.slice === undefined ? 'state' : `slice ${opts.slice}`;
          await ctx.out.line(`# ${what} at seq ${seq} · state hash ${source.stateHash(state)}${opts.includeSecrets ? ' · secrets included' : ''}`);
          await ctx.out.line(pretty(JSON.parse(shownText)));
        });
      });
  },
};
