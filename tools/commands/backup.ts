import { Command } from 'commander';
import { backupStatus } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { compact, table } from '../format.js';

const HELP = `
Trust: backup.trusted_signature (a valid signature by our master key while our identity is
trusted, or by a verified device of ours), backup.trusted_key (its public key is that of a
backup key we hold from a trusted source: the user, secret storage, secret sharing),
backup.untrusted, backup.unknown_algorithm, backup.invalid_public_key. Keys go to the
backup (\`backUpRoomKeys\`) and are restored from it only when it is trusted.
Signatures are in one of four states: missing, invalid, valid_untrusted, valid_trusted
(unknown_signer: a key we do not know signed it).

Examples:
  keyledger backup
  keyledger backup --json`;

export const backupCommand: CommandModule = {
  name: 'backup',
  create(ctx: CliContext) {
    return new Command('backup')
      .summary('show the server-side key backup: version, trust, signatures, why')
      .description('Show the current key backup version the server gave, whether its auth_data is trusted\n(the reason code and the seq it rests on), whether keys may be uploaded, and each\nsignature on it in its state. Opens the ledger read-only, or reads an export (--source).')
      .addOption(sourceOption())
      .option('--json', 'one JSON object')
      .addHelpText('after', HELP)
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await ctx.withSource(cmd, async (source) => {
          const s = backupStatus(source.state());
          if (opts.json) {
            await ctx.out.line(compact(s));
            return;
          }
          if (s.version === null) {
            await ctx.out.line('no backup version known (ingest a GET /room_keys/version response as a backup_version envelope)');
            return;
          }
          for (const line of table(['FIELD', 'VALUE'], [
            ['version', s.version],
            ['algorithm', s.algorithm ?? '-'],
            ['public key', s.publicKey ?? '-'],
            ['trust', `${s.code ?? '-'} (seq ${s.seq ?? '-'})`],
            ['may upload', s.may ? 'yes' : 'no'],
            ['private key held', s.privateKeyHeld ? 'yes' : 'no'],
            ['master signature', s.masterSignature ?? '-'],
            ['own device signature', s.ownDeviceSignature ?? '-'],
          ])) await ctx.out.line(line);
          if (s.signatures.length > 0) {
            await ctx.out.line('');
            for (const line of table(['KEY', 'SIGNER', 'STATE'], s.signatures.map((x) => [x.keyId, x.signer === 'device' ? `device ${x.deviceId}` : x.signer, x.state]))) await ctx.out.line(line);
          }
        });
      });
  },
};
