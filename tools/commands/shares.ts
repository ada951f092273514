import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';

// The payloads of the facts read here, as far as this command reads them.
type MegolmSessionCreatedPayload = { room_id: string; session_id: string };
type RoomKeySharedPayload = { session_id: string; message_index: number; devices: { user_id: string; device_id: string }[]; withheld: { user_id: string; device_id: string; code: string }[] };
type MegolmEncryptedPayload = { session_id: string; message_index: number; event_type: string };

/** One of our outbound sessions, as the log tells it. */
interface SessionShares {
  room_id: string;
  session_id: string;
  created_seq: number;
  /** Who got the key, from which index, and when (seq). */
  shared: { user_id: string; device_id: string; from_index: number; seq: number }[];
  /** Who was told it is withheld, and why. */
  withheld: { user_id: string; device_id: string; code: string; seq: number }[];
  /** Events encrypted with it: index, type, seq. */
  encrypted: { index: number; event_type: string; seq: number }[];
}

export const sharesCommand: CommandModule = {
  name: 'shares',
  create(ctx: CliContext) {
    return new Command('shares')
      .summary('who held the key to our messages, since when, and who was refused it')
      .description('For each of our outbound Megolm sessions: the devices that got its key (from which message\nindex, at which seq), those told m.room_key.withheld (with the code), and the events encrypted\nwith it. The per-device reasons are in `keyledger decisions` (room_key_share.*). Opens the\nledger read-only.')
      .option('--room <room>', 'only this room')
      .option('--session <session>', 'only this session ID')
      .option('--json', 'one JSON object per session')
      .action(async (opts: { room?: string; session?: string; json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'read', async (ledger) => {
          const sessions = new Map<string, SessionShares>();
          const wanted = (room: string, session: string) => (opts.room === undefined || opts.room === room) && (opts.session === undefined || opts.session === session);
          for await (const e of ledger.entries()) {
            if (e.kind === 'megolm_session_created') {
              const p = e.payload as MegolmSessionCreatedPayload;
              if (wanted(p.room_id, p.session_id)) sessions.set(p.session_id, { room_id: p.room_id, session_id: p.session_id, created_seq: e.seq, shared: [], withheld: [], encrypted: [] });
            } else if (e.kind === 'room_key_shared') {
              const p = e.payload as RoomKeySharedPayload;
              const s = sessions.get(p.session_id);
              if (s === undefined) continue;
              for (const d of p.devices) s.shared.push({ user_id: d.user_id, device_id: d.device_id, from_index: p.message_index, seq: e.seq });
              for (const w of p.withheld) s.withheld.push({ user_id: w.user_id, device_id: w.device_id, code: w.code, seq: e.seq });
            } else if (e.kind === 'megolm_encrypted') {
              const p = e.payload as MegolmEncryptedPayload;
              sessions.get(p.session_id)?.encrypted.push({ index: p.message_index, event_type: p.event_type, seq: e.seq });
            }
          }
          for (const s of sessions.values()) {
            if (opts.json) {
              await ctx.out.line(compact(s));
              continue;
            }
            await ctx.out.line(`session ${s.session_id} in ${s.room_id} (created at seq ${s.created_seq}, ${s.encrypted.length} events encrypted)`);
            for (const d of s.shared) await ctx.out.line(`  shared   ${d.user_id} ${d.device_id} from index ${d.from_index} (seq ${d.seq})`);
            for (const w of s.withheld) await ctx.out.line(`  withheld ${w.user_id} ${w.device_id} ${w.code} (seq ${w.seq})`);
          }
        });
      });
  },
};
