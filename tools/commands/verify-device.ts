import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { parseDeviceId, parseUserId } from '../parse.js';
import { printStep } from '../verification-text.js';

export const verifyDeviceCommand: CommandModule = {
  name: 'verify-device',
  create(ctx: CliContext) {
    return new Command('verify-device')
      .summary('ask a device to verify (SAS, to-device)')
      .description('Ask one device to verify with us: an m.key.verification.request to-device message is queued\n(send it with `keyledger outgoing`). Prints the flow ID for `sas`, `confirm` and `cancel`.')
      .argument('<user>', 'user ID', parseUserId)
      .argument('<device>', 'device ID', parseDeviceId)
      .addHelpText('after', '\nExample:\n  keyledger verify-device @bob:example.org BOBDEV')
      .action(async (user: string, device: string, _opts: unknown, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => printStep(ctx, await ledger.requestVerification(user, device)));
      });
  },
};
