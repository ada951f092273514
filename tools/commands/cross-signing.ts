import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';

const HELP = `
Subcommands:
  bootstrap   make our master, self-signing and user-signing keys (private parts sealed in
              the vault, never printed) and queue their uploads: a device_signing_upload
              (add the user-interactive "auth" the server asks for), then a
              signature_upload. Send them in that order (see \`keyledger outgoing\`).
  status      the public keys our identity publishes (our last /keys/query of our own
              user), which private keys we hold (yes/no), and whether our identity is
              trusted (the listed master key is the one we hold).

Examples:
  keyledger cross-signing bootstrap
  keyledger cross-signing status --json`;

export const crossSigningCommand: CommandModule = {
  name: 'cross-signing',
  create(ctx: CliContext) {
    const root = new Command('cross-signing')
      .summary('our own cross-signing identity: bootstrap, status')
      .description('Make or inspect our own cross-signing identity. Private keys are never printed.')
      .addHelpText('after', HELP);
    root
      .command('bootstrap')
      .description('Make new cross-signing keys and queue their uploads (replaces any identity we made before).')
      .option('--json', 'one JSON object: the public keys and the queued requests')
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'write', async (ledger) => {
          const { keys, requests, decisions } = await ledger.bootstrapCrossSigning();
          if (opts.json) {
            await ctx.out.line(compact({ keys, requests: requests.map((r) => ({ id: r.id, type: r.type, method: r.method, path: r.path })), decisions: decisions.map((d) => d.code) }));
            return;
          }
          await ctx.out.line(`master       ${keys.master}`);
          await ctx.out.line(`self-signing ${keys.selfSigning}`);
          await ctx.out.line(`user-signing ${keys.userSigning}`);
          for (const r of requests) await ctx.out.line(`queued ${r.id} ${r.type} ${r.method} ${r.path}`);
          for (const d of decisions) await ctx.out.line(`  ${d.outcome} ${d.code} ${d.subject}`);
        });
      });
    root
      .command('status')
      .description('Our cross-signing public keys, which private keys we hold, and whether our identity is trusted.')
      .option('--json', 'one JSON object')
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'read', async (ledger) => {
          const s = ledger.crossSigningStatus();
          if (opts.json) {
            await ctx.out.line(compact(s));
            return;
          }
          const yes = (b: boolean) => (b ? 'yes' : 'no');
          const key = (published: string | null, held: string | null | undefined) => published ?? (held != null ? `${held} (not listed by /keys/query yet)` : '-');
          await ctx.out.line(`master       ${key(s.published.master, s.held?.master)}  private key held: ${yes(s.privateKeys.master)}`);
          await ctx.out.line(`self-signing ${key(s.published.selfSigning, s.held?.selfSigning)}  private key held: ${yes(s.privateKeys.selfSigning)}`);
          await ctx.out.line(`user-signing ${key(s.published.userSigning, s.held?.userSigning)}  private key held: ${yes(s.privateKeys.userSigning)}`);
          if (s.held !== null) await ctx.out.line(`held since seq ${s.held.seq} (${s.held.source})`);
          await ctx.out.line(`own identity trusted: ${yes(s.trusted)} (${s.reason}${s.seq >= 0 ? `, seq ${s.seq}` : ''})`);
        });
      });
    return root;
  },
};
