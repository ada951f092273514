import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { flowLine, flowOrFail, printStep, sasLines } from '../verification-text.js';
import { runInteractive, type InteractiveOptions } from '../verification-interactive.js';
import { INTERACTIVE_HELP } from './verify-device.js';

export const sasCommand: CommandModule = {
  name: 'sas',
  create(ctx: CliContext) {
    return new Command('sas')
      .summary('start SAS on a ready flow, or show its emoji')
      .description('On a ready flow, start SAS (m.key.verification.start is queued). Once both ephemeral keys\nare known, print the 7 emoji and the 3 numbers to compare with the other device.')
      .argument('<id>', 'flow ID (see `keyledger verifications`)')
      .option('--interactive', 'stay running until the flow ends (accepting it if it was asked of us): print each message to send, read the other side\'s events from stdin')
      .option('--confirm', 'with --interactive: the SAS match (do not ask)')
      .option('--mismatch', 'with --interactive: the SAS do not match (do not ask)')
      .addHelpText('after', `\nExample:\n  keyledger sas 6f1c…\n  keyledger sas 6f1c… --interactive < their-events.ndjson${INTERACTIVE_HELP}`)
      .action(async (id: string, opts: InteractiveOptions & { interactive?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          if (opts.interactive === true) return runInteractive(ctx, ledger, id, opts);
          const flow = flowOrFail(ledger, id);
          if (flow.canStartSas) return printStep(ctx, await ledger.startSas(id));
          await ctx.out.line(flowLine(flow));
          const sas = sasLines(flow);
          for (const l of sas) await ctx.out.line(l);
          if (sas.length === 0) await ctx.out.line('no SAS yet: sync, send the outgoing requests, and try again');
        });
      });
  },
};
