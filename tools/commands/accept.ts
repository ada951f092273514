import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { flowOrFail, printStep } from '../verification-text.js';

export const acceptCommand: CommandModule = {
  name: 'accept',
  create(ctx: CliContext) {
    return new Command('accept')
      .summary('accept a verification request (ready)')
      .description('Accept a verification request another device sent us: m.key.verification.ready is queued.')
      .argument('<id>', 'flow ID (see `keyledger verifications`)')
      .addHelpText('after', '\nExample:\n  keyledger accept 6f1c…')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          flowOrFail(ledger, id);
          await printStep(ctx, await ledger.acceptVerification(id));
        });
      });
  },
};
