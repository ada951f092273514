import { Command, Option } from 'commander';
import { ENGINE_VERSION } from '../src/index.js';
import { DEFAULT_DB, STORE_KEY_ENV, type CliContext } from './context.js';
import { oneLine } from './errors.js';
import { commandModules } from './registry.js';
import type { CommandModule } from './command.js';

const EPILOG = `
The ledger is an append-only, hash-chained log (LevelDB) of everything a Matrix client
receives for end-to-end encryption: to-device events, room events, /keys/query and
key-backup responses, user actions. Pure reducers fold it into state (devices and
identities, Megolm sessions, verification, key sharing, backup trust) and record every
accept/reject as a decision with a reason code and the entries it rested on, so each one
can be explained and replayed later from the log alone.

The --db folder holds the log, the decisions, signed checkpoints, and the vault with our
olm account (never in the log; encrypted at rest when ${STORE_KEY_ENV} is set).

Environment:
  ${STORE_KEY_ENV}  key or passphrase of the vault (init and every command that writes)
  KEYLEDGER_DB         default for --db
  KEYLEDGER_DEBUG=1    show the stack of an unexpected error

Every command that only reads takes --source FILE: an NDJSON export (keyledger export)
or a ledger folder, instead of --db.

Exit codes (the same in every command): 0 done; 1 done, and the answer is no (verify
found the log broken, no such subject or event); 2 the call is wrong (unknown option, bad
value); 3 could not run (no ledger, locked, wrong store key, I/O); 130 interrupted.

Examples:
  keyledger init --user @alice:example.org --device ALICEDEV > upload.json
  keyledger ingest events.ndjson
  keyledger decisions --outcome rejected
  keyledger verify`;

/**
 * The settings every command shares: output through the context's streams, errors as
 * one line with a pointer to the right `--help`, and errors thrown instead of exiting.
 */
function configure(cmd: Command, ctx: CliContext, usage: string): Command {
  return cmd
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpOption('-h, --help', 'show help for this command')
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
      outputError: (s, write) => {
        const text = oneLine(s.replace(/^error:\s*/, '')).replace(/\(Did you mean (.*)\?\)/, '— did you mean $1?');
        write(`keyledger: ${text} (see \`${usage} --help\`)\n`);
      },
    });
}

/** Builds the `keyledger` program with every command of `modules`. */
export function buildProgram(ctx: CliContext, modules: readonly CommandModule[] = commandModules): Command {
  const program = new Command('keyledger')
    .description('keyledger: an event-sourced crypto state engine for Matrix end-to-end encryption')
    .usage('[--db DIR] <command> [options]')
    .version(ENGINE_VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--db <dir>', 'the ledger folder').env('KEYLEDGER_DB').default(DEFAULT_DB))
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', EPILOG);
  configure(program, ctx, 'keyledger');
  for (const module of modules) {
    const cmd = module.create(ctx);
    if (cmd.name() !== module.name) throw new Error(`command module ${module.name} built a command named ${cmd.name()}`);
    program.addCommand(configure(cmd, ctx, `keyledger ${module.name}`));
  }
  return program;
}
