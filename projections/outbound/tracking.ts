import type { EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmDelete, hmGet, hmSet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import { outboundCodes } from './codes.js';
import type { OutboundState } from './state.js';

const record = recorderFor(outboundCodes);

/** The client names users whose devices matter: each new one is tracked and outdated. */
export function foldTrackUsers(state: OutboundState, entry: EntryOf<'track_users'>, ctx: ReduceContext): void {
  for (const userId of [...new Set(entry.payload.users)].sort()) {
    if (hmGet(state.tracked, userId) !== undefined) continue;
    hmSet(state.tracked, userId, { outdated: true, seq: entry.seq, querying: null });
    record(ctx, 'device_list.tracked', subject('user', userId), []);
  }
}

/**
 * The crypto parts of a `/sync`: `changed` outdates tracked users, `left` stops tracking,
 * and the server's key counts are kept for the upload decision.
 */
export function foldSync(state: OutboundState, entry: EntryOf<'sync'>, ctx: ReduceContext): void {
  const p = entry.payload;
  for (const userId of [...new Set(p.device_lists?.changed ?? [])].sort()) {
    const tracked = hmGet(state.tracked, userId);
    if (tracked === undefined) continue;
    const because = earlier(entry.seq, tracked.seq);
    tracked.outdated = true;
    tracked.seq = entry.seq;
    if (tracked.querying !== null) record(ctx, 'device_list.changed_in_flight', subject('user', userId), because, { request_id: tracked.querying });
    else record(ctx, 'device_list.changed', subject('user', userId), because);
  }
  for (const userId of [...new Set(p.device_lists?.left ?? [])].sort()) {
    const tracked = hmGet(state.tracked, userId);
    if (tracked === undefined) continue;
    hmDelete(state.tracked, userId);
    record(ctx, 'device_list.left', subject('user', userId), earlier(entry.seq, tracked.seq));
  }
  // A count the server left out of a given map is zero (servers may omit zeros); a sync
  // without the map at all tells nothing (a client may pass only some parts), as in the Rust SDK.
  const counts = p.device_one_time_keys_count;
  if (counts !== undefined) {
    const count = Object.prototype.hasOwnProperty.call(counts, 'signed_curve25519') ? counts['signed_curve25519']! : 0;
    state.oneTimeKeys = { count, seq: entry.seq };
  }
  if (p.device_unused_fallback_key_types !== undefined) state.unusedFallbackTypes = { types: [...p.device_unused_fallback_key_types], seq: entry.seq };
}
