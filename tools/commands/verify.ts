import { statSync } from 'node:fs';
import { Command } from 'commander';
import type { VerifyReport } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { compact, plural, prose } from '../format.js';
import { Progress } from '../progress.js';

interface VerifyOptions {
  deviceKey?: string;
  replay: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Problems listed in the human report; --json has them all. */
const MAX_PROBLEMS = 50;

/** The human report, line by line. */
export function reportLines(report: VerifyReport): string[] {
  const lines: string[] = [];
  const range = report.headSeq >= 0 ? ` (seq 0–${report.headSeq})` : '';
  lines.push(`entries checked: ${report.entries}${range}`);
  lines.push(`head hash:       ${report.headHash ?? '-'}`);
  const cp = report.checkpoints;
  const last = cp.lastValidSeq === null ? '' : `, last valid at seq ${cp.lastValidSeq}`;
  lines.push(`checkpoints:     ${cp.valid} of ${cp.count} valid${last}; signer ${cp.signer ?? '-'}`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  if (report.ok) {
    lines.push(report.checkpoints.count > 0 ? 'OK: the hash chain and the signed checkpoints are intact' : 'OK: the hash chain is intact (no signed checkpoints to check)');
    return lines;
  }
  const first = report.problems.find((p) => p.seq === report.firstBadSeq) ?? report.problems[0];
  lines.push(`FAILED: first bad entry: seq ${report.firstBadSeq ?? '?'} — ${first?.message ?? 'unknown problem'}`);
  lines.push(`${plural(report.problems.length, 'problem')}:`);
  for (const p of report.problems.slice(0, MAX_PROBLEMS)) lines.push(`  seq ${p.seq}  ${p.code}  ${p.message}`);
  if (report.problems.length > MAX_PROBLEMS) lines.push(`  … and ${report.problems.length - MAX_PROBLEMS} more (--json lists them all)`);
  return lines;
}

export const verifyCommand: CommandModule = {
  name: 'verify',
  create(ctx: CliContext) {
    return new Command('verify')
      .summary('check the log for edited, dropped or reordered entries')
      .description(
        prose(
        'Check the integrity of the ledger (opened read-only): sequence continuity, the hash\n' +
          'chain (each entry hashes its content and the previous hash), the genesis entry, and\n' +
          'every signed checkpoint (signature by our device key, chain head, and — unless\n' +
          '--no-replay — the state hash, by replaying the log).\n\n' +
          'Exit code 0 when the log is intact; 1 when it is not, naming the first entry that\n' +
          'cannot be trusted.'),
      )
      .option('--device-key <ed25519>', "the device's ed25519 public key every checkpoint must be signed with (default: the key in the log's first entry; give it when the copy is untrusted)")
      .option('--no-replay', 'skip replaying the log (faster; snapshot states are not re-derived)')
      .option('--json', 'print the report as one JSON object')
      .addOption(sourceOption())
      .option('-q, --quiet', 'no progress bar on stderr (there is none when stderr is not a terminal)')
      .action(async (opts: VerifyOptions, cmd: Command) => {
        const progress = new Progress(ctx.io.stderr, { label: 'verifying', unit: 'entries', quiet: opts.quiet });
        const path = ctx.sourcePath(cmd);
        // An NDJSON export (a file) has a chain to check but no checkpoints or snapshots.
        const report = isFile(path)
          ? await ctx.withSource(cmd, (source) => source.verify())
          : await ctx.withLedger(cmd, 'read', (ledger) =>
              ledger.verify({
                expectedSigner: opts.deviceKey,
                replay: opts.replay,
                onProgress: progress.active ? (seq) => progress.update(seq + 1, ledger.headSeq() + 1) : undefined,
              }),
              { path },
            );
        progress.done();
        if (opts.json) await ctx.out.line(compact(report));
        else for (const line of reportLines(report)) await ctx.out.line(line);
        if (!report.ok) ctx.exitCode = 1;
      });
  },
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
