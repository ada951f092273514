import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { parseUserId } from '../parse.js';

export const trackCommand: CommandModule = {
  name: 'track',
  create(ctx: CliContext) {
    return new Command('track')
      .summary('track users\' device lists (logged)')
      .description('Add users whose devices matter. Each new one is outdated, so a keys_query request is\nmade for it (see `keyledger outgoing`).')
      .argument('<users...>', 'user IDs', (value: string, prev: string[] = []) => [...prev, parseUserId(value)])
      .addHelpText('after', '\nExample:\n  keyledger track @alice:example.org @bob:example.org')
      .action(async (users: string[], _opts: unknown, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const result = await ledger.updateTrackedUsers(users);
          await ctx.out.line(`seq ${result.seq} track_users`);
          for (const d of result.decisions) await ctx.out.line(`  ${d.outcome} ${d.code} ${d.subject}`);
        });
      });
  },
};
