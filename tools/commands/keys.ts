import { Command, Option } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { pretty, prose } from '../format.js';
import { parseCount } from '../parse.js';

interface KeysOptions {
  count?: number;
  withDeviceKeys?: boolean;
}

export const keysCommand: CommandModule = {
  name: 'keys',
  create(ctx: CliContext) {
    return new Command('keys')
      .summary('print a fresh batch of one-time keys for /keys/upload')
      .description(
        prose(
        'Generate a fresh batch of signed one-time keys and a signed fallback key and print\n' +
          'them as a /keys/upload request body (pretty JSON). The printed keys are marked\n' +
          'published and saved before they are printed, so a key is never handed out twice.'),
      )
      .addOption(new Option('--count <n>', 'number of one-time keys (default: half the olm account maximum)').argParser(parseCount))
      .option('--with-device-keys', 'include our signed device_keys in the body')
      .action(async (opts: KeysOptions, cmd: Command) => {
        await ctx.withLedger(
          cmd,
          'write',
          async (ledger) => {
            const body = await ledger.publishKeys({ count: opts.count, withDeviceKeys: opts.withDeviceKeys === true });
            await ctx.out.line(pretty(body));
          },
          { durability: 'sync' },
        );
      });
  },
};
