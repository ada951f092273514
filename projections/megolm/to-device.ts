/**
 * Plaintext to-device events about sessions: a room key that did not come over Olm is
 * refused ("trusted impersonation", Albrecht et al., IEEE S&P 2023); a withheld notice is
 * recorded.
 */
import type { EntryOf } from '../../events/entry.js';
import { olmPayloadVerdict } from '../olm/selectors.js';
import type { ReduceContext } from '../slice.js';
import { refuse } from './store.js';
import type { MegolmState } from './state.js';
import { foldWithheld } from './withheld.js';

/** Event types that carry Megolm keys (or the key to a file of them). */
const KEY_TYPES = new Set(['m.room_key', 'm.forwarded_room_key', 'm.room_key_bundle']);

export function foldPlaintextToDevice(state: MegolmState, entry: EntryOf<'to_device'>, ctx: ReduceContext): void {
  const { event } = entry.payload;
  if (event.type === 'm.room_key.withheld') return foldWithheld(state, entry, ctx, event.sender, event.content, false, entry.seq);
  if (!KEY_TYPES.has(event.type)) return;
  const c = event.content as Record<string, unknown>;
  const text = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : null);
  // A forwarded key names its sender key; an m.room_key's sender key is its Olm channel's,
  // and a plaintext one has none (a `sender_key` field in it is no part of the event).
  const senderKey = event.type === 'm.forwarded_room_key' ? text('sender_key') : null;
  refuse(state, ctx, entry, 'room_key.not_over_olm', { roomId: text('room_id') ?? '', senderKey, sessionId: text('session_id') ?? '' }, [], {
    type: event.type, sender: event.sender,
  });
}

/** A withheld notice inside an Olm payload that passed the olm slice's checks. */
export function foldOlmWithheld(state: MegolmState, entry: EntryOf<'olm_decrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  if (p.plaintext?.type !== 'm.room_key.withheld' || olmPayloadVerdict(ctx.root, entry.seq)?.ok !== true) return;
  foldWithheld(state, entry, ctx, p.sender, p.plaintext.content, true, p.input_seq);
}
