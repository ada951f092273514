/**
 * `m.room_key.withheld`: the sender tells us it is not sending a key, and why. The spec
 * lets it come in plaintext; it is recorded only to explain missing keys, never to refuse
 * or accept anything, so its unauthenticated word can do no harm.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import type { LedgerEntry } from '../../events/entry.js';
import { RoomKeyWithheldContent } from '../../events/megolm.js';
import { subject } from '../decision.js';
import { hmSet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import { earlier, record } from './decide.js';
import { roomSessionKey, type MegolmState, type WithheldNotice } from './state.js';

/** Records a withheld notice from `sender` (`inputSeq`: the to-device entry, for `because`). */
export function foldWithheld(state: MegolmState, entry: LedgerEntry, ctx: ReduceContext, sender: string, content: unknown, overOlm: boolean, inputSeq: number): void {
  const decoded = decodeWith(RoomKeyWithheldContent, content);
  if (!isRight(decoded)) return; // a plaintext one was refused by the envelope codec already
  const c = decoded.right;
  const notice: WithheldNotice = { seq: entry.seq, code: c.code, reason: c.reason ?? null, senderKey: c.sender_key, sender, overOlm };
  const detail = { code: c.code, reason: notice.reason, sender, sender_key: c.sender_key, over_olm: overOlm };
  const because = earlier(entry.seq, inputSeq);
  if (c.room_id !== undefined && c.session_id !== undefined) {
    hmSet(state.withheld, roomSessionKey(c.room_id, c.session_id), notice);
    return record(ctx, 'room_key.withheld', subject('session', c.room_id, c.sender_key, c.session_id), because, { ...detail, room_id: c.room_id, session_id: c.session_id });
  }
  // `m.no_olm` names no session: it covers every session of that sender key.
  if (c.code === 'm.no_olm') hmSet(state.noOlm, c.sender_key, notice);
  record(ctx, 'room_key.withheld', subject('input', inputSeq), because, detail);
}
