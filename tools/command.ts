import type { Command } from 'commander';
import type { CliContext } from './context.js';

/**
 * One subcommand of `keyledger`: a module under `tools/commands/` that builds its
 * commander command. To add a command, write a module exporting one of these and list
 * it in `registry.ts`; the program applies the shared settings (output, errors, help).
 *
 * The action reports failure by throwing (a `CliError`, or an engine `KeyledgerError`),
 * or, for a result that is not an error of the CLI (a failed verification), by setting
 * `ctx.exitCode`.
 */
export interface CommandModule {
  /** The name typed on the command line. */
  readonly name: string;
  /** Builds the command; its actions use `ctx` for output and for opening the ledger. */
  create(ctx: CliContext): Command;
}
