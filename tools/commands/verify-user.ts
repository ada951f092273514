import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { parseUserId } from '../parse.js';
import { printStep } from '../verification-text.js';

export const verifyUserCommand: CommandModule = {
  name: 'verify-user',
  create(ctx: CliContext) {
    return new Command('verify-user')
      .summary('ask every device of a user to verify (SAS, to-device)')
      .description('Ask every known device of a user to verify with us (to-device; the first to answer goes on,\nthe others are told m.accepted), or, with --room, in that room (one m.room.message request).\nThe messages are queued (`keyledger outgoing`).')
      .argument('<user>', 'user ID', parseUserId)
      .option('--room <room>', 'verify in this room (its messages go in the clear: encrypted rooms are not supported yet)')
      .addHelpText('after', '\nExamples:\n  keyledger verify-user @bob:example.org\n  keyledger verify-user @bob:example.org --room \'!dm:example.org\'')
      .action(async (user: string, opts: { room?: string }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => printStep(ctx, opts.room === undefined ? await ledger.requestVerification(user) : await ledger.requestVerificationInRoom(opts.room, user)));
      });
  },
};
