import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { parseUserId } from '../parse.js';
import { printStep } from '../verification-text.js';

export const verifyUserCommand: CommandModule = {
  name: 'verify-user',
  create(ctx: CliContext) {
    return new Command('verify-user')
      .summary('ask every device of a user to verify (SAS, to-device)')
      .description('Ask every known device of a user to verify with us; the first to answer goes on, the others\nare told m.accepted. The messages are queued (`keyledger outgoing`).')
      .argument('<user>', 'user ID', parseUserId)
      .option('--room <room>', 'verify in this room (in-room verification: not supported yet)')
      .addHelpText('after', '\nExample:\n  keyledger verify-user @bob:example.org')
      .action(async (user: string, opts: { room?: string }, cmd: Command) => {
        if (opts.room !== undefined) throw new CliError('in-room verification (--room) is not supported yet: verify to-device, without --room', EXIT.USAGE);
        await ctx.withLedger(cmd, 'write', async (ledger) => printStep(ctx, await ledger.requestVerification(user)));
      });
  },
};
