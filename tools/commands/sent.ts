import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact } from '../format.js';
import { openSource } from '../ndjson.js';

const HELP = `
RESPONSE_FILE holds the server's JSON response body (- or absent: stdin). It is logged
and folded: a /keys/query response is judged exactly as a keys_query envelope. A
response that does not decode is logged as rejected and the request stays pending
(exit code 1).

Examples:
  keyledger sent 0f8e…-4c2a query-response.json
  curl … | keyledger sent 0f8e…-4c2a -`;

export const sentCommand: CommandModule = {
  name: 'sent',
  create(ctx: CliContext) {
    return new Command('sent')
      .summary('mark a pending request as sent, with the server\'s response')
      .description('Log the response to a pending request (see `keyledger outgoing`) and fold it.')
      .argument('<id>', 'the request ID')
      .argument('[response]', 'file with the response body (- or absent: stdin)')
      .option('--json', 'print the result as JSON')
      .addHelpText('after', HELP)
      .action(async (id: string, file: string | undefined, opts: { json?: boolean }, cmd: Command) => {
        const source = await openSource(file, ctx.io.stdin);
        let text = '';
        for await (const chunk of source.stream) text += String(chunk);
        let response: unknown;
        try {
          response = JSON.parse(text);
        } catch {
          throw new CliError(`${source.name}: the response is not JSON`, EXIT.USAGE);
        }
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const request = ledger.outgoingRequests().find((r) => r.id === id);
          if (request === undefined) throw new CliError(`no pending request ${id} (see keyledger outgoing)`, EXIT.USAGE);
          const result = await ledger.markRequestAsSent(id, request.type, response);
          const decisions = result.decisions.map((d) => ({ code: d.code, outcome: d.outcome, subject: d.subject }));
          const pending = ledger.outgoingRequests().map((r) => r.id);
          if (opts.json) await ctx.out.line(compact({ id, type: request.type, seq: result.seq, seqs: result.seqs, decisions, pending }));
          else {
            await ctx.out.line(`sent ${id} ${request.type}: logged at seq ${result.seq}`);
            for (const d of decisions) await ctx.out.line(`  ${d.outcome} ${d.code} ${d.subject}`);
            await ctx.out.line(`${pending.length} requests pending`);
          }
        });
      });
  },
};
