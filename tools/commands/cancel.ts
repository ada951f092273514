import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { flowOrFail, printStep } from '../verification-text.js';

export const cancelCommand: CommandModule = {
  name: 'cancel',
  create(ctx: CliContext) {
    return new Command('cancel')
      .summary('cancel a verification flow (m.user)')
      .description('Cancel a verification flow: m.key.verification.cancel with m.user is queued.')
      .argument('<id>', 'flow ID (see `keyledger verifications`)')
      .addHelpText('after', '\nExample:\n  keyledger cancel 6f1c…')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          flowOrFail(ledger, id);
          await printStep(ctx, await ledger.cancelVerification(id));
        });
      });
  },
};
