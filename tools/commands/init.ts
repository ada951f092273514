import { readdirSync } from 'node:fs';
import { Command, Option } from 'commander';
import { LedgerLockedError, LedgerNotFoundError, openLedger } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { STORE_KEY_ENV, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { pretty, prose } from '../format.js';
import { parseDeviceId, parseUserId } from '../parse.js';

interface InitOptions {
  user: string;
  device: string;
}

/** Refuses when `path` already holds a ledger, or anything else. */
async function assertNoLedger(path: string): Promise<void> {
  let owner: string;
  try {
    const existing = await openLedger({ path, readOnly: true });
    owner = `${existing.owner.userId} ${existing.owner.deviceId}`;
    await existing.close();
  } catch (err) {
    if (err instanceof LedgerLockedError) throw new CliError(`a ledger already exists at ${path} (it is open in another process); refusing to create another`);
    if (!(err instanceof LedgerNotFoundError)) {
      throw new CliError(`${path} holds a ledger or database that cannot be opened (${(err as Error).message}); refusing to create a ledger there`);
    }
    let files: string[] = [];
    try {
      files = readdirSync(path);
    } catch {
      return; // no folder yet: fine
    }
    if (files.length > 0) throw new CliError(`${path} exists and is not empty; refusing to create a ledger there`);
    return;
  }
  throw new CliError(`a ledger already exists at ${path} (owned by ${owner}); refusing to create another`);
}

export const initCommand: CommandModule = {
  name: 'init',
  create(ctx: CliContext) {
    return new Command('init')
      .summary('create a ledger and print the /keys/upload body')
      .description(
        prose(
        'Create a new ledger for our user and device: an olm account is made and kept in the\n' +
          'vault, and the log starts with a ledger_created entry naming our public keys.\n\n' +
          'Prints the /keys/upload request body (pretty JSON): the self-signed device_keys,\n' +
          'a batch of signed one-time keys (half the account maximum) and a signed fallback\n' +
          'key. Those keys are marked published, so they are never handed out twice.\n\n' +
          `Set ${STORE_KEY_ENV} to encrypt the vault at rest; every later command that\n` +
          'writes needs the same value. Refuses if a ledger already exists at --db.'),
      )
      .addOption(new Option('--user <userId>', 'our Matrix user ID, e.g. @alice:example.org').argParser(parseUserId).makeOptionMandatory())
      .addOption(new Option('--device <deviceId>', 'our device ID, e.g. ALICEDEV').argParser(parseDeviceId).makeOptionMandatory())
      .action(async (opts: InitOptions, cmd: Command) => {
        const path = ctx.dbPath(cmd);
        const storeKey = ctx.storeKey();
        await assertNoLedger(path);
        if (storeKey === undefined) await ctx.note(`warning: ${STORE_KEY_ENV} is not set, so the vault (our olm account) is not encrypted at rest`);
        // Without the variable the user was warned just above: the unencrypted vault is their choice.
        const ledger = await openLedger({ path, userId: opts.user, deviceId: opts.device, storeKey, unencryptedVault: storeKey === undefined, durability: 'sync' });
        try {
          const { device_keys, one_time_keys, fallback_keys } = await ledger.publishKeys({ withDeviceKeys: true });
          await ctx.out.line(pretty({ device_keys, one_time_keys, fallback_keys }));
        } finally {
          await ledger.close();
        }
      });
  },
};
