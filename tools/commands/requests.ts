import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';

// The payload of the fact read here, as far as this command reads it.
type GossipSentPayload = { what: string; request_id: string; user_id: string; device_ids: string[] };

/** Decision codes about a key or secret request, and which way the request went. */
const INCOMING = /^(key_request|secret_request)\.(shared|other_user|unverified_device|unknown_session|unknown_secret|cancelled)$/;
const OUTGOING = /^(room_key\.requested|room_key\.request_no_device|secret_request\.requested|secret_request\.no_verified_device|forwarded_key\.[a-z_]+|secret_send\.[a-z_]+)$/;

/** One request, incoming or ours, with every decision about it and what was sent for it. */
interface RequestLine {
  request_id: string;
  direction: 'incoming' | 'outgoing';
  kind: 'room_key' | 'secret';
  /** The requester (incoming) or the answering device (an answer to ours), as the decision's subject names it. */
  decisions: { seq: number; code: string; outcome: string; subject: string; about: string | null }[];
  sent: { seq: number; what: string; devices: string[] }[];
}

const HELP = `
Incoming requests are answered only for a verified device of our own user; ours go only to
our own verified devices, and only their answers over Olm are taken. Every decision is listed
with its code (see the README's decision table), and what was sent for it (the request, an
Olm-encrypted answer, a withheld notice, a cancellation). Never shows a key or a secret.

Output: one block per request ID; with --json one JSON object per request.

Examples:
  keyledger requests
  keyledger requests --json | jq -c 'select(.direction == "incoming")'`;

export const requestsCommand: CommandModule = {
  name: 'requests',
  create(ctx: CliContext) {
    return new Command('requests')
      .summary('key and secret requests, ours and others\', with their decisions')
      .description('List the m.room_key_request and m.secret.request traffic: incoming requests and what we\ndecided, our own requests, the answers we took or refused. Opens the ledger read-only.')
      .option('--json', 'one JSON object per request')
      .addHelpText('after', HELP)
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'read', async (ledger) => {
          const byId = new Map<string, RequestLine>();
          const line = (id: string, direction: RequestLine['direction'], kind: RequestLine['kind']) => {
            let r = byId.get(`${direction} ${id}`);
            if (r === undefined) byId.set(`${direction} ${id}`, (r = { request_id: id, direction, kind, decisions: [], sent: [] }));
            return r;
          };
          for await (const d of ledger.streamDecisions()) {
            const id = d.detail?.['request_id'];
            if (typeof id !== 'string') continue;
            const incoming = INCOMING.test(d.code);
            if (!incoming && !OUTGOING.test(d.code)) continue;
            const kind = d.code.startsWith('secret') ? 'secret' : 'room_key';
            const about = d.detail?.['name'] ?? d.detail?.['session_id'] ?? null;
            line(id, incoming ? 'incoming' : 'outgoing', kind).decisions.push({ seq: d.seq, code: d.code, outcome: d.outcome, subject: d.subject, about: typeof about === 'string' ? about : null });
          }
          for await (const e of ledger.entries()) {
            if (e.kind !== 'gossip_sent') continue;
            const p = e.payload as GossipSentPayload;
            const ours = p.what === 'room_key_request' || p.what === 'secret_request' || p.what.endsWith('_cancellation');
            const r = byId.get(`${ours ? 'outgoing' : 'incoming'} ${p.request_id}`);
            r?.sent.push({ seq: e.seq, what: p.what, devices: p.device_ids });
          }
          for (const r of [...byId.values()].sort((a, b) => (a.decisions[0]?.seq ?? 0) - (b.decisions[0]?.seq ?? 0))) {
            if (opts.json) {
              await ctx.out.line(compact(r));
              continue;
            }
            await ctx.out.line(`${r.direction} ${r.kind} request ${r.request_id}${r.decisions[0]?.about ? ` for ${r.decisions[0].about}` : ''}`);
            for (const d of r.decisions) await ctx.out.line(`  seq ${d.seq} ${d.outcome} ${d.code} (${d.subject})`);
            for (const s of r.sent) await ctx.out.line(`  seq ${s.seq} sent ${s.what}${s.devices.length > 0 ? ` to ${s.devices.join(', ')}` : ' (to no one)'}`);
          }
        });
      });
  },
};
