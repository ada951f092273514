import type { EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmGet, hmSet } from '../hashmap.js';
import { deviceByCurveKey } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import { outboundCodes } from './codes.js';
import type { OutboundState } from './state.js';

/** The spec's limit: no new session with a device within an hour of the last one we made. */
export const NEW_SESSION_INTERVAL_MS = 60 * 60 * 1000;

const record = recorderFor(outboundCodes);

/**
 * An Olm message from a known device that no session decrypts (not a replay, not for
 * another device): its session is wedged, so a new one is to be made (claim, session,
 * m.dummy), at most once an hour per device.
 */
export function foldOlmUndecryptableForRecovery(state: OutboundState, entry: EntryOf<'olm_undecryptable'>, ctx: ReduceContext): void {
  const p = entry.payload;
  if (p.reason !== 'no_session' && p.reason !== 'bad_message') return;
  const device = deviceByCurveKey(ctx.root, p.sender_key);
  if (device === undefined) return;
  const about = subject('device', device.userId, device.deviceId);
  const last = hmGet(state.created, p.sender_key);
  if (last !== undefined && entry.receivedAt - last.at < NEW_SESSION_INTERVAL_MS) {
    record(ctx, 'olm_session.recovery_rate_limited', about, earlier(entry.seq, last.seq, p.input_seq), { last_created_at: last.at });
    return;
  }
  if (hmGet(state.wedged, p.sender_key) !== undefined) return;
  hmSet(state.wedged, p.sender_key, { userId: device.userId, deviceId: device.deviceId, seq: entry.seq });
  record(ctx, 'olm_session.wedged', about, earlier(entry.seq, p.input_seq), { reason: p.reason });
}
