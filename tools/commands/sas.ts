import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { flowLine, flowOrFail, printStep, sasLines } from '../verification-text.js';

export const sasCommand: CommandModule = {
  name: 'sas',
  create(ctx: CliContext) {
    return new Command('sas')
      .summary('start SAS on a ready flow, or show its emoji')
      .description('On a ready flow, start SAS (m.key.verification.start is queued). Once both ephemeral keys\nare known, print the 7 emoji and the 3 numbers to compare with the other device.')
      .argument('<id>', 'flow ID (see `keyledger verifications`)')
      .addHelpText('after', '\nExample:\n  keyledger sas 6f1c…')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
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
