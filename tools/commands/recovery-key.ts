import { Command, Option } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { readSecret } from '../secret-input.js';

const HELP = `
The key is read from stdin, never from the command line: typed without echo at a
terminal, or the first line of what is piped in. Logged: which secret storage key it
opened and whether its MAC check passed, never the key; each secret it decrypts (our
cross-signing keys, the backup key) is sealed in the vault (set KEYLEDGER_STORE_KEY to
encrypt it) and named in the log by its public key.

Examples:
  keyledger recovery-key
  keyledger recovery-key --passphrase < passphrase.txt`;

export const recoveryKeyCommand: CommandModule = {
  name: 'recovery-key',
  create(ctx: CliContext) {
    return new Command('recovery-key')
      .summary('open secret storage with the recovery key (read from stdin, no echo)')
      .description('Open secret storage (the account data ingested before) with the recovery key or\npassphrase: our cross-signing keys are imported and the backup key kept, so a backup\nwith its public key is trusted.')
      .option('--passphrase', 'the input is the passphrase, not the recovery key')
      .addOption(new Option('--key-id <id>', 'the secret storage key to open (default: the default key)'))
      .addHelpText('after', HELP)
      .action(async (opts: { passphrase?: boolean; keyId?: string }, cmd: Command) => {
        const secret = await readSecret(ctx, opts.passphrase ? 'passphrase: ' : 'recovery key: ');
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const opened = await ledger.openSecretStorage(opts.passphrase ? { passphrase: secret } : { recoveryKey: secret }, opts.keyId);
          await ctx.out.line(`opened secret storage key ${opened.keyId}`);
          for (const name of opened.stored) await ctx.out.line(`stored ${name}`);
          for (const name of opened.failed) await ctx.out.line(`did not decrypt ${name}`);
          if (opened.crossSigning !== null) await ctx.out.line(`cross-signing keys: ${opened.crossSigning}`);
          const backup = ledger.backupStatus();
          if (backup.version !== null) await ctx.out.line(`backup ${backup.version}: ${backup.code ?? '-'}`);
        });
      });
  },
};
