import { Command } from 'commander';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { compact } from '../format.js';
import { CliError, EXIT } from '../errors.js';

// The payloads of the facts read here, as far as this command reads them.
type MegolmSessionCreatedPayload = { room_id: string; session_id: string; input_seq: number };
type RoomKeySharedPayload = { session_id: string; message_index: number; devices: { user_id: string; device_id: string }[]; withheld: { user_id: string; device_id: string; code: string }[] };
type MegolmEncryptedPayload = { session_id: string; message_index: number; event_type: string };
type MegolmDecryptedPayload = { event_id: string; session_id: string; message_index: number };

/** One of our outbound sessions, as the log tells it. */
interface SessionShares {
  room_id: string;
  session_id: string;
  created_seq: number;
  /** The share that made it (decisions about its devices start there). */
  share_seq: number;
  /** Who got the key, from which index, and when (seq). */
  shared: { user_id: string; device_id: string; from_index: number; seq: number }[];
  /** Who was told it is withheld, and why. */
  withheld: { user_id: string; device_id: string; code: string; seq: number }[];
  /** Events encrypted with it: index, type, seq. */
  encrypted: { index: number; event_type: string; seq: number }[];
}

/** One device, as far as one event of ours goes: could it read it, since when, and why. */
interface EventReader {
  user_id: string;
  device_id: string;
  /** `could_read`: it holds the key from an index at or below the event's; `key_too_late`: only from a later index; `withheld`: refused it. */
  status: 'could_read' | 'key_too_late' | 'withheld';
  /** The index the device's copy of the key starts at (shared devices). */
  from_index?: number;
  /** The withheld code it was told (withheld devices). */
  code?: string;
  /** The entry that gave (or refused) it the key. */
  seq: number;
  /** The decision codes about this device for this session's shares (`keyledger explain SEQ`). */
  decisions: string[];
}

export const sharesCommand: CommandModule = {
  name: 'shares',
  create(ctx: CliContext) {
    return new Command('shares')
      .summary('who held the key to our messages, since when, and who was refused it')
      .description('For each of our outbound Megolm sessions: the devices that got its key (from which message\nindex, at which seq), those told m.room_key.withheld (with the code), and the events encrypted\nwith it. The per-device reasons are in `keyledger decisions` (room_key_share.*). Opens the\nledger read-only.')
      .option('--room <room>', 'only this room')
      .option('--session <session>', 'only this session ID')
      .option('--event <event_id>', 'one event of ours, as read back (its remote echo through decryptRoomEvent):\nwhich devices could read it, from when, and why the others could not')
      .option('--json', 'one JSON object per session')
      .action(async (opts: { room?: string; session?: string; event?: string; json?: boolean }, cmd: Command) => {
        await ctx.withLedger(cmd, 'read', async (ledger) => {
          const sessions = new Map<string, SessionShares>();
          /** The event asked about, as its decryption (our own copy of the session reads our echo) logged it. */
          const event: { session_id?: string; index?: number } = {};
          const wanted = (room: string, session: string) => (opts.room === undefined || opts.room === room) && (opts.session === undefined || opts.session === session);
          for await (const e of ledger.entries()) {
            if (e.kind === 'megolm_session_created') {
              const p = e.payload as MegolmSessionCreatedPayload;
              if (wanted(p.room_id, p.session_id)) sessions.set(p.session_id, { room_id: p.room_id, session_id: p.session_id, created_seq: e.seq, share_seq: p.input_seq, shared: [], withheld: [], encrypted: [] });
            } else if (e.kind === 'room_key_shared') {
              const p = e.payload as RoomKeySharedPayload;
              const s = sessions.get(p.session_id);
              if (s === undefined) continue;
              for (const d of p.devices) s.shared.push({ user_id: d.user_id, device_id: d.device_id, from_index: p.message_index, seq: e.seq });
              for (const w of p.withheld) s.withheld.push({ user_id: w.user_id, device_id: w.device_id, code: w.code, seq: e.seq });
            } else if (e.kind === 'megolm_encrypted') {
              const p = e.payload as MegolmEncryptedPayload;
              sessions.get(p.session_id)?.encrypted.push({ index: p.message_index, event_type: p.event_type, seq: e.seq });
            } else if (opts.event !== undefined && e.kind === 'megolm_decrypted') {
              const p = e.payload as MegolmDecryptedPayload;
              if (p.event_id === opts.event) Object.assign(event, { session_id: p.session_id, index: p.message_index, seq: e.seq });
            }
          }
          if (opts.event !== undefined) {
            await printEvent(ctx, ledger, opts.event, event, sessions, opts.json === true);
            return;
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

/**
 * `shares --event`: the event's session and index, then every device the session was
 * shared with or withheld from, and whether it could read this very event. Exit code 1
 * (a finding: not there) when the log has no trace of the event among our sessions.
 */
async function printEvent(
  ctx: CliContext,
  ledger: { decisions(f: { code?: string }): Promise<{ seq: number; code: string; subject: string; detail?: unknown }[]> },
  eventId: string,
  found: { session_id?: string; index?: number },
  sessions: Map<string, SessionShares>,
  json: boolean,
): Promise<void> {
  const session = found.session_id !== undefined ? sessions.get(found.session_id) : undefined;
  const index = found.index;
  const encryptedSeq = session?.encrypted.find((x) => x.index === index)?.seq;
  if (session === undefined || index === undefined) {
    throw new CliError(`no event ${eventId} of one of our outbound sessions is in the log (it must have been read back, e.g. its remote echo through decryptRoomEvent)`, EXIT.FINDING);
  }
  const s = session;
  const about = new Map<string, string[]>();
  // Decisions about this session's shares: in its room, from its creation to the next session's.
  let until = Infinity;
  for (const other of sessions.values()) if (other.room_id === s.room_id && other.share_seq > s.share_seq) until = Math.min(until, other.share_seq);
  for (const d of await ledger.decisions({ code: 'room_key_share.' })) {
    if (!d.subject.startsWith('device ') || d.seq < s.share_seq || d.seq >= until) continue;
    if ((d.detail as { room_id?: unknown } | undefined)?.room_id !== s.room_id) continue;
    const key = d.subject.slice('device '.length);
    about.set(key, [...(about.get(key) ?? []), `${d.code}@${d.seq}`]);
  }
  const readers: EventReader[] = [];
  for (const d of s.shared) {
    readers.push({ user_id: d.user_id, device_id: d.device_id, status: d.from_index <= index ? 'could_read' : 'key_too_late', from_index: d.from_index, seq: d.seq, decisions: about.get(`${d.user_id} ${d.device_id}`) ?? [] });
  }
  for (const w of s.withheld) {
    readers.push({ user_id: w.user_id, device_id: w.device_id, status: 'withheld', code: w.code, seq: w.seq, decisions: about.get(`${w.user_id} ${w.device_id}`) ?? [] });
  }
  if (json) {
    await ctx.out.line(compact({ event_id: eventId, room_id: s.room_id, session_id: s.session_id, message_index: index, encrypted_seq: encryptedSeq ?? null, devices: readers }));
    return;
  }
  await ctx.out.line(`event ${eventId}: session ${s.session_id} in ${s.room_id}, message index ${index}${encryptedSeq !== undefined ? ` (encrypted at seq ${encryptedSeq})` : ''}`);
  for (const r of readers) {
    const what =
      r.status === 'could_read' ? `could read  (key from index ${r.from_index}, given at seq ${r.seq})`
        : r.status === 'key_too_late' ? `could not   (its key starts at index ${r.from_index}, given at seq ${r.seq})`
          : `withheld    ${r.code} (seq ${r.seq})`;
    await ctx.out.line(`  ${r.user_id} ${r.device_id}  ${what}${r.decisions.length > 0 ? `  [${r.decisions.join(', ')}]` : ''}`);
  }
}
