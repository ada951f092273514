import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { flowOrFail, printStep } from '../verification-text.js';

export const confirmCommand: CommandModule = {
  name: 'confirm',
  create(ctx: CliContext) {
    return new Command('confirm')
      .summary('say the SAS match (or, with --mismatch, that they do not)')
      .description('Tell the ledger the emoji match: our MAC is queued (logged as a user action). With\n--mismatch the flow is cancelled with m.mismatched_sas.')
      .argument('<id>', 'flow ID (see `keyledger verifications`)')
      .option('--mismatch', 'the SAS do not match')
      .addHelpText('after', '\nExample:\n  keyledger confirm 6f1c…')
      .action(async (id: string, opts: { mismatch?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          flowOrFail(ledger, id);
          await printStep(ctx, await ledger.confirmSas(id, opts.mismatch !== true));
        });
      });
  },
};
