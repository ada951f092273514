/**
 * Our own room keys: who gets the room's outbound Megolm session (the rule is
 * `shareVerdict`, in `projections/megolm/share-policy.ts`), when it rotates and why, and
 * what we encrypt with it. What is decided here, `src/outbound/room-keys.ts` carries out
 * (new sessions, Olm-encrypted keys, withheld notices) and logs as facts, folded back here.
 */
import type { EntryOf } from '../../events/entry.js';
import type { ShareStrategy } from '../../events/megolm-out.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmEntries, hmGet, hmPeek, hmSet } from '../hashmap.js';
import { knownDevices, ownDevice } from '../identities/selectors.js';
import { shareVerdict } from '../megolm/share-policy.js';
import type { ReduceContext } from '../slice.js';
import { shareCodes, type ShareCode } from './share-codes.js';
import { DEFAULT_ROTATION_PERIOD_MS, DEFAULT_ROTATION_PERIOD_MSGS, type KeyRecipient, type OutboundRoom, type OutboundState } from './state.js';

const record = recorderFor(shareCodes);
type Root = Readonly<Record<string, unknown>>;

const deviceKey = (userId: string, deviceId: string) => `${userId} ${deviceId}`;
/** The spec's withheld code for "an olm session could not be established". */
const NO_OLM = 'm.no_olm';

function newRoom(strategy: ShareStrategy): OutboundRoom {
  return {
    strategy, rotationPeriodMs: DEFAULT_ROTATION_PERIOD_MS, rotationPeriodMsgs: DEFAULT_ROTATION_PERIOD_MSGS,
    session: null, rotate: null, toShare: [], awaiting: [], toWithhold: [],
  };
}

/** The room's outbound state, if we ever shared a key in it. */
export function outboundRoom(root: Root, roomId: string): OutboundRoom | undefined {
  return hmPeek((root['outbound'] as OutboundState).rooms, roomId);
}

/**
 * Why the room's session must be replaced before it is used again, or null: its period
 * or message count is reached, or a device holding it left, was removed, is blocked or
 * falls below the strategy (only devices of `members` may hold it, when given).
 */
export function rotationDue(root: Root, room: OutboundRoom, at: number, members: ReadonlySet<string> | null): { code: ShareCode; userId?: string; deviceId?: string } | null {
  const s = room.session;
  if (s === null) return null;
  if (at - s.createdAt >= room.rotationPeriodMs) return { code: 'megolm_out.rotate_period_ms' };
  if (s.messages >= room.rotationPeriodMsgs) return { code: 'megolm_out.rotate_period_msgs' };
  for (const key of Object.keys(s.sharedWith).sort()) {
    const { userId, deviceId } = s.sharedWith[key]!;
    if (members !== null && !members.has(userId)) return { code: 'megolm_out.rotate_member_left', userId, deviceId };
    const verdict = shareVerdict(root, userId, deviceId, room.strategy);
    if (verdict === null) return { code: 'megolm_out.rotate_device_removed', userId, deviceId };
    if (verdict.share) continue;
    const blocked = verdict.code === 'room_key_share.blocked' || verdict.code === 'room_key_share.identity_changed';
    return { code: blocked ? 'megolm_out.rotate_device_blocked' : 'megolm_out.rotate_trust_dropped', userId, deviceId };
  }
  return null;
}

/**
 * The client asks to share the room's session with the devices of `users`: the session is
 * rotated first if it must be, then each device is judged by `shareVerdict`. Those it
 * gives the key to go to `toShare` (an Olm session exists) or `awaiting` (one is claimed);
 * those it refuses are told why with `m.room_key.withheld`, once per session and code.
 */
export function foldShareRoomKey(state: OutboundState, entry: EntryOf<'share_room_key'>, ctx: ReduceContext): void {
  const p = entry.payload;
  let room = hmGet(state.rooms, p.room_id);
  if (room === undefined) {
    hmSet(state.rooms, p.room_id, newRoom(p.strategy));
    room = hmGet(state.rooms, p.room_id)!;
  }
  room.strategy = p.strategy;
  room.rotationPeriodMs = p.rotation_period_ms ?? DEFAULT_ROTATION_PERIOD_MS;
  room.rotationPeriodMsgs = p.rotation_period_msgs ?? DEFAULT_ROTATION_PERIOD_MSGS;
  const own = ownDevice(ctx.root);
  const ourKey = own?.curve25519 ?? '';
  const users = [...new Set(p.users)].sort();
  if (room.session !== null && room.rotate === null) {
    const due = rotationDue(ctx.root, room, entry.receivedAt, new Set(users));
    if (due !== null) {
      const held = due.userId !== undefined ? room.session.sharedWith[deviceKey(due.userId, due.deviceId!)] : undefined;
      record(ctx, due.code, subject('session', p.room_id, ourKey, room.session.sessionId), earlier(entry.seq, room.session.seq, held?.seq), {
        room_id: p.room_id, session_id: room.session.sessionId, messages: room.session.messages, created_at: room.session.createdAt,
        user_id: due.userId ?? null, device_id: due.deviceId ?? null,
      });
      room.rotate = { code: due.code, seq: entry.seq };
    }
  } else if (room.session === null && room.rotate === null) {
    record(ctx, 'megolm_out.session_created', subject('input', entry.seq), [], { room_id: p.room_id, strategy: p.strategy });
    room.rotate = { code: 'megolm_out.session_created', seq: entry.seq };
  }
  // A new session is shared with everyone again; the current one only with those who lack it.
  const fresh = room.rotate !== null;
  const sharedWith = fresh ? {} : room.session!.sharedWith;
  const withheldSent = fresh ? {} : room.session!.withheldSent;
  const waiting = new Set(room.awaiting.map((d) => deviceKey(d.userId, d.deviceId)));
  const sessions = (ctx.root['outbound'] as OutboundState).sessions;
  for (const userId of users) {
    for (const deviceId of knownDevices(ctx.root, userId)) {
      if (own !== null && own.userId === userId && own.deviceId === deviceId) continue;
      const verdict = shareVerdict(ctx.root, userId, deviceId, room.strategy);
      if (verdict === null) continue;
      const key = deviceKey(userId, deviceId);
      const about = subject('device', userId, deviceId);
      if (!verdict.share) {
        if (withheldSent[key] === verdict.withheld || room.toWithhold.some((w) => deviceKey(w.userId, w.deviceId) === key)) continue;
        room.awaiting = room.awaiting.filter((d) => deviceKey(d.userId, d.deviceId) !== key);
        room.toWithhold.push({ userId, deviceId, code: verdict.withheld });
        record(ctx, verdict.code, about, earlier(entry.seq, ...verdict.because), { room_id: p.room_id, strategy: room.strategy, withheld: verdict.withheld });
        continue;
      }
      if (Object.prototype.hasOwnProperty.call(sharedWith, key) || waiting.has(key) || room.toShare.some((d) => deviceKey(d.userId, d.deviceId) === key)) continue;
      const recipient: KeyRecipient = { userId, deviceId, curve25519: verdict.curve25519, ed25519: verdict.ed25519 };
      if (hmPeek(sessions, verdict.curve25519) !== undefined) {
        room.toShare.push(recipient);
        continue;
      }
      room.awaiting.push(recipient);
      record(ctx, 'room_key_share.awaiting_session', about, earlier(entry.seq, ...verdict.because), { room_id: p.room_id, strategy: room.strategy });
    }
  }
}

/** The client discards the room's session: the next share makes a new one. */
export function foldDiscardRoomKey(state: OutboundState, entry: EntryOf<'discard_room_key'>, ctx: ReduceContext): void {
  const room = hmGet(state.rooms, entry.payload.room_id);
  if (room === undefined || room.session === null || room.rotate !== null) return;
  const ourKey = ownDevice(ctx.root)?.curve25519 ?? '';
  record(ctx, 'megolm_out.rotate_discarded', subject('session', entry.payload.room_id, ourKey, room.session.sessionId), earlier(entry.seq, room.session.seq), {
    room_id: entry.payload.room_id, session_id: room.session.sessionId, messages: room.session.messages,
  });
  room.rotate = { code: 'megolm_out.rotate_discarded', seq: entry.seq };
}

/** Our new outbound session for the room: the current one from now on. */
export function foldMegolmSessionCreated(state: OutboundState, entry: EntryOf<'megolm_session_created'>): void {
  const room = hmGet(state.rooms, entry.payload.room_id);
  if (room === undefined) return;
  room.session = { sessionId: entry.payload.session_id, seq: entry.seq, createdAt: entry.receivedAt, messages: 0, sharedWith: {}, withheldSent: {} };
  room.rotate = null;
}

/** The room key went to these devices (and withheld notices to those): each one's decision. */
export function foldRoomKeyShared(state: OutboundState, entry: EntryOf<'room_key_shared'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const room = hmGet(state.rooms, p.room_id);
  if (room === undefined || room.session === null || room.session.sessionId !== p.session_id) return;
  const done = new Set<string>();
  for (const d of p.devices) {
    const key = deviceKey(d.user_id, d.device_id);
    done.add(key);
    room.session.sharedWith[key] = { userId: d.user_id, deviceId: d.device_id, curve25519: d.curve25519, index: p.message_index, seq: entry.seq };
    record(ctx, 'room_key_share.shared', subject('device', d.user_id, d.device_id), earlier(entry.seq, p.input_seq), {
      room_id: p.room_id, session_id: p.session_id, message_index: p.message_index, olm_session_id: d.olm_session_id,
    });
  }
  for (const w of p.withheld) {
    const key = deviceKey(w.user_id, w.device_id);
    room.session.withheldSent[key] = w.code;
    done.add(`withheld ${key}`);
  }
  room.toShare = room.toShare.filter((d) => !done.has(deviceKey(d.userId, d.deviceId)));
  room.awaiting = room.awaiting.filter((d) => !done.has(deviceKey(d.userId, d.deviceId)));
  room.toWithhold = room.toWithhold.filter((w) => !done.has(`withheld ${deviceKey(w.userId, w.deviceId)}`));
}

/**
 * A `/keys/claim` response (after `foldKeysClaimResponse`): a device awaiting a room key
 * that the request asked a key for and that got no accepted one cannot get an Olm
 * session: it is told `m.no_olm`.
 */
export function foldAwaitingAfterClaim(state: OutboundState, asked: Readonly<Record<string, Readonly<Record<string, unknown>>>>, entry: EntryOf<'keys_claim'>, ctx: ReduceContext): void {
  if (state.rooms.count === 0) return;
  const claimed = new Set(state.claims.map((c) => deviceKey(c.userId, c.deviceId)));
  const wasAsked = (d: { userId: string; deviceId: string }) =>
    Object.prototype.hasOwnProperty.call(asked, d.userId) && Object.prototype.hasOwnProperty.call(asked[d.userId]!, d.deviceId);
  for (const roomId of Object.keys(roomsWithAwaiting(state)).sort()) {
    const room = hmGet(state.rooms, roomId)!;
    const failed = room.awaiting.filter((d) => wasAsked(d) && !claimed.has(deviceKey(d.userId, d.deviceId)));
    if (failed.length === 0) continue;
    const gone = new Set(failed.map((d) => deviceKey(d.userId, d.deviceId)));
    room.awaiting = room.awaiting.filter((d) => !gone.has(deviceKey(d.userId, d.deviceId)));
    for (const d of failed) {
      const about = subject('device', d.userId, d.deviceId);
      const told = noOlmTold(state, d.curve25519);
      if (told !== null) {
        record(ctx, 'room_key_share.no_olm_already_sent', about, earlier(entry.seq, told.seq), { room_id: roomId });
        continue;
      }
      hmSet(state.noOlm, d.curve25519, { seq: entry.seq, sessionSeq: hmPeek(state.sessions, d.curve25519)?.seq ?? null });
      room.toWithhold.push({ userId: d.userId, deviceId: d.deviceId, code: NO_OLM });
      record(ctx, 'room_key_share.no_olm', about, earlier(entry.seq), { room_id: roomId });
    }
  }
}

/**
 * The `m.no_olm` notice this device (by Curve25519 key) was already given, or null: it
 * counts only while no Olm session with the device was made since (the spec: send it
 * once, "unless another olm session was previously established successfully").
 */
export function noOlmTold(state: OutboundState, curve25519: string): { seq: number } | null {
  const told = hmPeek(state.noOlm, curve25519);
  if (told === undefined) return null;
  const now = hmPeek(state.sessions, curve25519)?.seq ?? null;
  return now === told.sessionSeq ? told : null;
}

function roomsWithAwaiting(state: OutboundState): Record<string, true> {
  const out: Record<string, true> = {};
  for (const [roomId, room] of hmEntries(state.rooms)) if (room.awaiting.length > 0) out[roomId] = true;
  return out;
}

/** The reason an `encrypt_room_event` is refused, or null when the room's session may encrypt now. */
export function encryptRefusal(root: Root, roomId: string, at: number): ShareCode | null {
  const room = outboundRoom(root, roomId);
  if (room === undefined || room.session === null) return 'megolm_out.no_session';
  if (room.rotate !== null || rotationDue(root, room, at, null) !== null) return 'megolm_out.session_expired';
  return null;
}

/** The client asked to encrypt a room event: a refusal is decided here, the acceptance on the `megolm_encrypted` fact. */
export function foldEncryptRoomEvent(entry: EntryOf<'encrypt_room_event'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const refusal = encryptRefusal(ctx.root, p.room_id, entry.receivedAt);
  if (refusal === null) return;
  const room = outboundRoom(ctx.root, p.room_id);
  record(ctx, refusal, subject('input', entry.seq), earlier(entry.seq, room?.session?.seq, room?.rotate?.seq), {
    room_id: p.room_id, event_type: p.event_type, session_id: room?.session?.sessionId ?? null, rotate: room?.rotate?.code ?? null,
  });
}

/** We encrypted a room event with the room's session. */
export function foldMegolmEncrypted(state: OutboundState, entry: EntryOf<'megolm_encrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const room = hmGet(state.rooms, p.room_id);
  if (room?.session?.sessionId === p.session_id) room.session.messages++;
  record(ctx, 'megolm_out.encrypted', subject('session', p.room_id, ownDevice(ctx.root)?.curve25519 ?? '', p.session_id), earlier(entry.seq, p.input_seq, room?.session?.seq), {
    room_id: p.room_id, session_id: p.session_id, message_index: p.message_index, event_type: p.event_type,
  });
}
