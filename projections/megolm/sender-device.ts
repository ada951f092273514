/**
 * Sessions that arrived before their sender's device was known. A `/sync` often delivers a
 * room key over Olm before the client's `/keys/query` lists the device that sent it; such
 * a session is stored `unauthenticated` and waits here, by the Olm channel's Curve25519
 * key, until a listing of that key arrives. Then, in the fold of that `keys_query` entry,
 * the listed device either confirms what the Olm payload claimed (the session becomes
 * authenticated) or contradicts it (the session stays unauthenticated, for good).
 */
import { subject } from '../decision.js';
import type { EntryOf } from '../../events/entry.js';
import { hmDelete, hmGet, hmPeek, hmSet } from '../hashmap.js';
import { deviceByCurveKey, deviceRecord, deviceTrust } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import { earlier, record } from './decide.js';
import type { AwaitedDevice, MegolmState } from './state.js';
import { sessionToChange } from './store.js';

/** Files an unauthenticated `m.room_key` session under its Olm sender key, to be judged when that key is listed. */
export function awaitSenderDevice(state: MegolmState, id: string, curveKey: string, from: Omit<AwaitedDevice, 'session'>): void {
  if (hmGet(state.sessions, id)?.authenticity !== 'unauthenticated') return;
  const waiting = hmGet(state.awaitingDevice, curveKey);
  const item = { session: id, ...from };
  if (waiting === undefined) hmSet(state.awaitingDevice, curveKey, [item]);
  else if (!waiting.some((w) => w.session === id)) waiting.push(item);
}

/**
 * After the identities slice folded a `keys_query`: each device it lists whose Curve25519
 * key has sessions waiting is judged against them. Only devices the identities slice
 * accepted count (read through its selectors); a rejected listing leaves them waiting.
 */
export function foldKeysQueryForSessions(state: MegolmState, entry: EntryOf<'keys_query'>, ctx: ReduceContext): void {
  if (state.awaitingDevice.count === 0) return;
  const listed = entry.payload.response.device_keys ?? {};
  for (const userId of Object.keys(listed).sort()) {
    const devices = Object.prototype.hasOwnProperty.call(listed, userId) ? listed[userId] : undefined;
    for (const deviceId of Object.keys(devices ?? {}).sort()) {
      const device = deviceRecord(ctx.root, userId, deviceId);
      if (device === undefined || hmPeek(state.awaitingDevice, device.curve25519) === undefined) continue;
      // The key's owner is whoever the identities slice says, not the listing we walk.
      const owner = deviceByCurveKey(ctx.root, device.curve25519);
      if (owner === undefined || owner.userId !== userId || owner.deviceId !== deviceId) continue;
      judge(state, entry, ctx, device.curve25519, { userId, deviceId, ed25519: device.ed25519, addedSeq: device.addedSeq });
    }
  }
}

function judge(state: MegolmState, entry: EntryOf<'keys_query'>, ctx: ReduceContext, curveKey: string, device: { userId: string; deviceId: string; ed25519: string; addedSeq: number }): void {
  const waiting = hmGet(state.awaitingDevice, curveKey)!;
  // A device whose keys changed, or whose ID collides with a cross-signing key, vouches for nothing yet.
  if (deviceTrust(ctx.root, device.userId, device.deviceId).level === 'blocked') return;
  hmDelete(state.awaitingDevice, curveKey);
  for (const w of waiting) {
    const session = sessionToChange(state, w.session);
    if (session === undefined || session.authenticity === 'authenticated') continue;
    const about = subject('session', session.roomId, session.senderKey, session.sessionId);
    const because = earlier(entry.seq, w.inputSeq, w.roomKeySeq);
    const detail = {
      room_id: session.roomId, session_id: session.sessionId, user_id: device.userId, device_id: device.deviceId,
      room_key_seq: w.roomKeySeq, keys_query_seq: entry.seq,
    };
    const userMatches = w.sender === device.userId;
    const ed25519Matches = w.claimedEd25519 === device.ed25519;
    if (!userMatches || !ed25519Matches) {
      record(ctx, 'room_key.sender_device_mismatch', about, because, {
        ...detail, olm_sender: w.sender, claimed_ed25519: w.claimedEd25519, listed_ed25519: device.ed25519,
        mismatch: !userMatches ? 'user' : 'ed25519',
      });
      continue;
    }
    // As an authenticated m.room_key would have set them (store.ts): the creator's word, now proven.
    session.authenticity = 'authenticated';
    session.ownerUserId = w.sender;
    session.claimedEd25519 = w.claimedEd25519;
    if (session.source.type === 'room_key' && session.source.seq === w.roomKeySeq) session.source.deviceId = device.deviceId;
    record(ctx, 'room_key.sender_device_confirmed', about, because, detail);
  }
}
