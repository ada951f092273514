import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';

const HELP = `
Each request stays pending, across restarts, until \`keyledger sent ID RESPONSE_FILE\` logs
the server's response. Types: keys_query (POST /_matrix/client/v3/keys/query),
keys_upload (POST /_matrix/client/v3/keys/upload; public keys only), keys_claim
(POST /_matrix/client/v3/keys/claim), to_device (PUT /_matrix/client/v3/sendToDevice/…),
device_signing_upload (POST /_matrix/client/v3/keys/device_signing/upload; public keys
only; add the user-interactive "auth" the server asks for), signature_upload
(POST /_matrix/client/v3/keys/signatures/upload), room_message
(PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}).

Output: one line per request, "ID TYPE METHOD PATH"; with --json one JSON object per
line: {"id","type","method","path","body"}.

Examples:
  keyledger outgoing
  keyledger outgoing --json | jq -c .body`;

export const outgoingCommand: CommandModule = {
  name: 'outgoing',
  create(ctx: CliContext) {
    return new Command('outgoing')
      .summary('list the requests the client must send')
      .description('List the pending outgoing requests (made after syncs, tracked users and responses), oldest\nfirst. Opens the ledger read-only.')
      .option('--json', 'one JSON object per request, with its body')
      .addHelpText('after', HELP)
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'read', async (ledger) => {
          for (const r of ledger.outgoingRequests()) {
            await ctx.out.line(opts.json ? compact(r) : `${r.id} ${r.type} ${r.method} ${r.path}`);
          }
        });
      });
  },
};
