import { writeFile, readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { readSecret } from '../secret-input.js';

const EXPORT_HELP = `
The passphrase is read from stdin (typed without echo at a terminal, or the first line
piped in), never from the command line. The file is the spec's key export format
(-----BEGIN MEGOLM SESSION DATA-----), encrypted with it.

Examples:
  keyledger export-keys keys.txt
  keyledger export-keys < passphrase.txt > keys.txt`;

export const exportKeysCommand: CommandModule = {
  name: 'export-keys',
  create(ctx: CliContext) {
    return new Command('export-keys')
      .summary('write every Megolm session we hold to an encrypted key export file')
      .argument('[file]', 'file to write (absent: stdout)')
      .addHelpText('after', EXPORT_HELP)
      .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
        const passphrase = await readSecret(ctx, 'passphrase: ');
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const text = await ledger.exportRoomKeys(passphrase);
          if (file === undefined || file === '-') await ctx.out.write(text);
          else await writeFile(file, text, { mode: 0o600 });
        });
      });
  },
};

const IMPORT_HELP = `
The passphrase is read from stdin (typed without echo at a terminal, or the first line
piped in), never from the command line. Each session is judged (source import,
unauthenticated): room_key.imported, or the reason it was refused.

Examples:
  keyledger import-keys keys.txt`;

export const importKeysCommand: CommandModule = {
  name: 'import-keys',
  create(ctx: CliContext) {
    return new Command('import-keys')
      .summary('import Megolm sessions from an encrypted key export file')
      .argument('<file>', 'key export file')
      .addHelpText('after', IMPORT_HELP)
      .action(async (file: string, _opts: unknown, cmd: Command) => {
        const text = await readFile(file, 'utf8');
        const passphrase = await readSecret(ctx, 'passphrase: ');
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const result = await ledger.importRoomKeys(text, passphrase);
          await ctx.out.line(`imported ${result.imported}, refused ${result.refused}`);
        });
      });
  },
};
