import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { parseDeviceId, parseUserId } from '../parse.js';
import { printStep } from '../verification-text.js';
import { runInteractive, type InteractiveOptions } from '../verification-interactive.js';

/** How `--interactive` talks (shared by `sas`). */
export const INTERACTIVE_HELP = `

With --interactive the process keeps the flow (and its SAS secret, which lives in memory
only) until it ends: each message to send is printed on stdout as one JSON line, as
\`keyledger outgoing --json\` prints it, and counted as sent; the other device's events are
read from stdin, one JSON line each (a to-device event, or an ingest envelope such as a
sync). The emoji and numbers and "do they match? [y/N]" go to stderr (or give --confirm /
--mismatch). Exit code 0 when the flow is done, 1 when it was cancelled; stdin ending first
cancels it (m.user).`;

export const verifyDeviceCommand: CommandModule = {
  name: 'verify-device',
  create(ctx: CliContext) {
    return new Command('verify-device')
      .summary('ask a device to verify (SAS, to-device)')
      .description('Ask one device to verify with us: an m.key.verification.request to-device message is queued\n(send it with `keyledger outgoing`). Prints the flow ID for `sas`, `confirm` and `cancel`.')
      .argument('<user>', 'user ID', parseUserId)
      .argument('<device>', 'device ID', parseDeviceId)
      .option('--interactive', 'stay running until the flow ends: print each message to send, read the other device\'s events from stdin')
      .option('--confirm', 'with --interactive: the SAS match (do not ask)')
      .option('--mismatch', 'with --interactive: the SAS do not match (do not ask)')
      .addHelpText('after', `\nExample:\n  keyledger verify-device @bob:example.org BOBDEV\n  keyledger verify-device @bob:example.org BOBDEV --interactive${INTERACTIVE_HELP}`)
      .action(async (user: string, device: string, opts: InteractiveOptions & { interactive?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const step = await ledger.requestVerification(user, device);
          if (opts.interactive === true) return runInteractive(ctx, ledger, step.id, opts);
          return printStep(ctx, step);
        });
      });
  },
};
