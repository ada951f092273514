import type { CommandModule } from './command.js';
import { decisionsCommand } from './commands/decisions.js';
import { exportCommand } from './commands/export.js';
import { ingestCommand } from './commands/ingest.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { logCommand } from './commands/log.js';
import { stateCommand } from './commands/state.js';
import { trustCommand } from './commands/trust.js';
import { verifyCommand } from './commands/verify.js';

/**
 * Every subcommand of `keyledger`, in the order `--help` lists them. A new command is a
 * module in `commands/` plus one line here.
 */
export const commandModules: readonly CommandModule[] = [
  initCommand,
  keysCommand,
  ingestCommand,
  stateCommand,
  decisionsCommand,
  trustCommand,
  logCommand,
  verifyCommand,
  exportCommand,
];
