import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';
import { flowLine, sasLines, transcriptLines } from '../verification-text.js';

export const verificationsCommand: CommandModule = {
  name: 'verifications',
  create(ctx: CliContext) {
    return new Command('verifications')
      .summary('list verification flows')
      .description('List every verification flow: running ones, then finished ones, with state, SAS, pinned keys,\ntranscript and outcome. Opens the ledger read-only.')
      .option('--json', 'one JSON object per flow')
      .addHelpText('after', '\nOutput: "ID PHASE USER DEVICE [CODE CANCEL_CODE]", then the SAS and the transcript.\n\nExamples:\n  keyledger verifications\n  keyledger verifications --json | jq -c .emoji')
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'read', async (ledger) => {
          for (const f of ledger.verifications()) {
            if (opts.json) {
              await ctx.out.line(compact(f));
              continue;
            }
            await ctx.out.line(flowLine(f));
            for (const l of [...sasLines(f).map((s) => `  ${s}`), ...transcriptLines(f)]) await ctx.out.line(l);
          }
        });
      });
  },
};
