import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { oneOf, parseCount, parseUserId } from '../parse.js';

const HELP = `
Each device of the users is decided on, with a reason code: the key (room_key_share.shared,
in a to_device request; or room_key_share.awaiting_session, with a keys_claim request: the key
follows once its response is marked sent), or m.room_key.withheld (room_key_share.unverified,
.not_cross_signed, .blocked, .identity_changed). The session is rotated first when it must be
(megolm_out.rotate_*). Send the requests with \`keyledger outgoing\` and \`keyledger sent\`.

Output: "seq N share_room_key", then one line per decision and per request made.

Examples:
  keyledger share --room '!r:example.org' --users @alice:example.org,@bob:example.org
  keyledger share --room '!r:example.org' --users @bob:example.org --strategy verified`;

export const shareCommand: CommandModule = {
  name: 'share',
  create(ctx: CliContext) {
    return new Command('share')
      .summary('share the room\'s Megolm key with users\' devices (logged)')
      .description('Share our outbound Megolm session for a room with the devices of the users, under a sharing\nstrategy; queues the claims and to-device messages it needs.')
      .requiredOption('--room <room>', 'the room ID')
      .requiredOption('--users <users>', 'the members, comma-separated', (value: string) => value.split(',').filter((u) => u !== '').map(parseUserId))
      .option('--strategy <strategy>', 'all | cross-signed | verified', oneOf(['all', 'cross-signed', 'verified'] as const), 'all' as const)
      .option('--rotation-period-ms <ms>', 'the room\'s rotation_period_ms', parseCount)
      .option('--rotation-period-msgs <n>', 'the room\'s rotation_period_msgs', parseCount)
      .addHelpText('after', HELP)
      .action(async (opts: { room: string; users: string[]; strategy: 'all' | 'cross-signed' | 'verified'; rotationPeriodMs?: number; rotationPeriodMsgs?: number }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const r = await ledger.shareRoomKey(opts.room, opts.users, {
            strategy: opts.strategy === 'cross-signed' ? 'cross_signed' : opts.strategy,
            ...(opts.rotationPeriodMs !== undefined ? { rotationPeriodMs: opts.rotationPeriodMs } : {}),
            ...(opts.rotationPeriodMsgs !== undefined ? { rotationPeriodMsgs: opts.rotationPeriodMsgs } : {}),
          });
          await ctx.out.line(`seq ${r.seq} share_room_key`);
          for (const d of r.decisions) await ctx.out.line(`  ${d.outcome} ${d.code} ${d.subject}`);
          for (const q of r.requests) await ctx.out.line(`  request ${q.id} ${q.type}${q.type === 'to_device' ? ` ${q.event_type}` : ''}`);
        });
      });
  },
};
