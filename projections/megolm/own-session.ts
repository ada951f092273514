import type { EntryOf } from '../../events/entry.js';
import { ownDevice } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import type { MegolmState } from './state.js';
import { offer } from './store.js';

/**
 * Our own new outbound session, stored as an inbound one too (source `own`), so our own
 * messages decrypt like anyone's: authenticated (we made it), owned by our user, its key
 * the one the fact sealed in the vault.
 */
export function foldOwnSession(state: MegolmState, entry: EntryOf<'megolm_session_created'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const own = ownDevice(ctx.root);
  offer(state, ctx, entry, {
    roomId: p.room_id,
    senderKey: p.sender_key,
    sessionId: p.session_id,
    firstKnownIndex: p.first_known_index,
    commitment: p.commitment,
    advanced: null,
    source: { type: 'own', userId: own?.userId ?? null, deviceId: own?.deviceId ?? null, viaCurveKey: null, seq: entry.seq },
    authenticity: 'authenticated',
    claimedEd25519: own?.ed25519 ?? null,
    ownerUserId: own?.userId ?? null,
    forwardingChain: null,
    acceptCode: 'room_key.own',
    because: [p.input_seq],
    detail: { type: 'own' },
  });
}
