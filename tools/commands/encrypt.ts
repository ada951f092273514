import { Command, InvalidArgumentError } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';

function parseContent(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('expected a JSON object.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('expected a JSON object.');
  return value as Record<string, unknown>;
}

export const encryptCommand: CommandModule = {
  name: 'encrypt',
  create(ctx: CliContext) {
    return new Command('encrypt')
      .summary('Megolm-encrypt a room event (logged, never its content)')
      .description('Encrypt an event with the room\'s outbound session (`keyledger share` first). Prints the\nm.room.encrypted content as one JSON line; the log keeps the session, index and type only.')
      .requiredOption('--room <room>', 'the room ID')
      .requiredOption('--type <type>', 'the event type, e.g. m.room.message')
      .requiredOption('--content <json>', 'the event content, a JSON object', parseContent)
      .addHelpText('after', '\nExample:\n  keyledger encrypt --room \'!r:example.org\' --type m.room.message --content \'{"msgtype":"m.text","body":"hi"}\'')
      .action(async (opts: { room: string; type: string; content: Record<string, unknown> }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          await ctx.out.line(compact(await ledger.encryptRoomEvent(opts.room, opts.type, opts.content)));
        });
      });
  },
};
