import type { CommandModule } from './command.js';
import { decisionsCommand } from './commands/decisions.js';
import { exportCommand } from './commands/export.js';
import { ingestCommand } from './commands/ingest.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { logCommand } from './commands/log.js';
import { reportCommand } from './commands/report.js';
import { stateCommand } from './commands/state.js';
import { trustCommand } from './commands/trust.js';
import { verifyCommand } from './commands/verify.js';
import { replayCommand } from './commands/replay.js';
import { bundleCommand } from './commands/bundle.js';
import { explainCommand } from './commands/explain.js';
import { whyUtdCommand } from './commands/why-utd.js';
import { whatIfCommand } from './commands/what-if.js';
import { rejudgeCommand } from './commands/rejudge.js';
import { outgoingCommand } from './commands/outgoing.js';
import { sentCommand } from './commands/sent.js';
import { trackCommand } from './commands/track.js';
import { shareCommand } from './commands/share.js';
import { encryptCommand } from './commands/encrypt.js';
import { sharesCommand } from './commands/shares.js';
import { requestsCommand } from './commands/requests.js';
import { backupCommand } from './commands/backup.js';
import { recoveryKeyCommand } from './commands/recovery-key.js';
import { exportKeysCommand, importKeysCommand } from './commands/room-keys.js';
import { verificationsCommand } from './commands/verifications.js';
import { verifyDeviceCommand } from './commands/verify-device.js';
import { verifyUserCommand } from './commands/verify-user.js';
import { acceptCommand } from './commands/accept.js';
import { sasCommand } from './commands/sas.js';
import { confirmCommand } from './commands/confirm.js';
import { cancelCommand } from './commands/cancel.js';
import { crossSigningCommand } from './commands/cross-signing.js';

/**
 * Every subcommand of `keyledger`, in the order `--help` lists them. A new command is a
 * module in `commands/` plus one line here.
 */
export const commandModules: readonly CommandModule[] = [
  initCommand,
  keysCommand,
  ingestCommand,
  trackCommand,
  outgoingCommand,
  sentCommand,
  shareCommand,
  encryptCommand,
  sharesCommand,
  requestsCommand,
  backupCommand,
  recoveryKeyCommand,
  exportKeysCommand,
  importKeysCommand,
  verificationsCommand,
  verifyDeviceCommand,
  verifyUserCommand,
  acceptCommand,
  sasCommand,
  confirmCommand,
  cancelCommand,
  crossSigningCommand,
  stateCommand,
  decisionsCommand,
  trustCommand,
  logCommand,
  verifyCommand,
  replayCommand,
  bundleCommand,
  reportCommand,
  exportCommand,
  explainCommand,
  whyUtdCommand,
  whatIfCommand,
  rejudgeCommand,
];
