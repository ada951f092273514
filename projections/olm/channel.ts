/**
 * To-device events that must come over Olm v1 and did not: a Megolm-encrypted to-device
 * event, or a secret sent in plaintext ("trusted impersonation", Albrecht et al., IEEE S&P
 * 2023). Room keys sent in plaintext are refused by the megolm slice, which owns sessions.
 */
import type { EntryOf } from '../../events/entry.js';
import { OLM_V1 } from '../../events/olm.js';
import { subject } from '../decision.js';
import type { ReduceContext } from '../slice.js';
import { record } from './decide.js';

export function foldToDevice(entry: EntryOf<'to_device'>, ctx: ReduceContext): void {
  const { event } = entry.payload;
  const about = subject('input', entry.seq);
  if (event.type === 'm.room.encrypted') {
    const algorithm = (event.content as { algorithm?: unknown }).algorithm;
    if (algorithm !== OLM_V1) record(ctx, 'to_device.not_olm', about, [], { sender: event.sender, algorithm: typeof algorithm === 'string' ? algorithm : null });
    return;
  }
  if (event.type === 'm.secret.send') record(ctx, 'secret.not_over_olm', about, [], { sender: event.sender });
}
