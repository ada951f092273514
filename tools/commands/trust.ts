import { Command, Option } from 'commander';
import {
  deviceRecord, deviceTrust, identityDetail, knownDevices, knownUsers, ownDevice, type LedgerState,
} from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, table } from '../format.js';
import { parseSeq, parseUserId } from '../parse.js';

interface TrustOptions {
  user?: string;
  at?: number;
  json?: boolean;
}

const LEVELS = `
Identity states: verified (we verified the master key, or our trusted user-signing key
signs it), pinned (trusted on first use), pin_violation (the master key changed; approve
it with an approve_identity user action), verification_violation (the master key of a
user we had verified changed), unknown (no master key seen).
Device trust: verified (verified by the user, cross-signed by a verified identity, or our
own device), cross_signed_tofu (cross-signed by a pinned identity), unverified, blocked
(the server changed its keys, or its ID collides with a cross-signing key).
REASON is a reason code (see \`keyledger decisions --code <reason>\`), SEQ the entry the
answer rests on.

Examples:
  keyledger trust
  keyledger trust --user @bob:example.org --json
  keyledger trust --source export.ndjson`;

/** One user's identity and devices, as the JSON output shows them. */
function userReport(state: LedgerState, userId: string) {
  const identity = identityDetail(state, userId);
  return {
    user: userId,
    identity: { state: identity.level, reason: identity.reason, seq: identity.seq, master_key: identity.masterKey, pinned_key: identity.pinnedKey },
    devices: knownDevices(state, userId).map((deviceId) => {
      const trust = deviceTrust(state, userId, deviceId);
      const own = ownDevice(state);
      const keys = own !== null && own.userId === userId && own.deviceId === deviceId ? own : deviceRecord(state, userId, deviceId);
      return { device_id: deviceId, trust: trust.level, reason: trust.reason, seq: trust.seq, ed25519: keys?.ed25519 ?? null, curve25519: keys?.curve25519 ?? null };
    }),
  };
}

export const trustCommand: CommandModule = {
  name: 'trust',
  create(ctx: CliContext) {
    return new Command('trust')
      .summary('show every identity and device with its trust, reason and seq')
      .description(
        'Show every user\'s identity state (verified, pinned, pin_violation, verification_violation,\n' +
          'unknown) and every device\'s trust (verified, cross_signed_tofu, unverified, blocked), with\n' +
          'the reason code and the seq each answer rests on. Users and devices are sorted. Opens\n' +
          'the ledger read-only, or reads an export (--source).',
      )
      .addOption(new Option('--user <user>', 'only this user').argParser(parseUserId))
      .addOption(new Option('--at <seq>', 'the answers right after this entry').argParser(parseSeq))
      .addOption(sourceOption())
      .option('--json', 'JSON lines, one per user: {user, identity, devices:[…]}')
      .addHelpText('after', LEVELS)
      .action(async (opts: TrustOptions, cmd: Command) => {
        await ctx.withSource(cmd, async (source) => {
          const head = source.headSeq();
          if (opts.at !== undefined && opts.at > head) throw new CliError(`--at ${opts.at} is beyond the end of the log (the last seq is ${head})`, EXIT.USAGE);
          const state = opts.at === undefined ? source.state() : await source.stateAt(opts.at);
          const own = ownDevice(state);
          const users = opts.user !== undefined ? [opts.user] : [...new Set([...knownUsers(state), ...(own === null ? [] : [own.userId])])].sort();
          if (opts.json) {
            for (const userId of users) await ctx.out.line(compact(userReport(state, userId)));
            return;
          }
          await ctx.out.line(`# trust at seq ${opts.at ?? head}`);
          const rows: string[][] = [];
          for (const userId of users) {
            const r = userReport(state, userId);
            rows.push([r.user, r.identity.state, r.identity.reason, String(r.identity.seq), r.identity.master_key ?? '-']);
            for (const d of r.devices) rows.push([`  ${d.device_id}`, d.trust, d.reason, String(d.seq), d.ed25519 ?? '-']);
          }
          if (rows.length === 0) {
            await ctx.out.line('no users known');
            return;
          }
          for (const line of table(['USER / DEVICE', 'TRUST', 'REASON', 'SEQ', 'MASTER / ED25519 KEY'], rows)) await ctx.out.line(line);
        });
      });
  },
};
