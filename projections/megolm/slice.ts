import { ignoreUnknownKind } from '../../events/entry.js';
import type { Slice } from '../slice.js';
import { foldMegolmDecrypted, foldMegolmUndecryptable, foldRoomEvent } from './room-events.js';
import { foldGossipSent, foldUserAction } from './requests.js';
import { foldOlmRoomKey } from './room-keys.js';
import { foldOwnSession } from './own-session.js';
import { foldRestoredKey } from './restored.js';
import { foldKeysQueryForSessions } from './sender-device.js';
import { initialMegolm, type MegolmState } from './state.js';
import { foldOlmWithheld, foldPlaintextToDevice } from './to-device.js';

/**
 * The `megolm` slice: Megolm sessions keyed by (room_id, sender_key, session_id), taken
 * only over Olm (after the olm slice's verdict), from trusted sources, at lower indices of
 * the same ratchet; and the room events decrypted with them. Folded after `identities` and
 * `olm`, which it reads through their selectors.
 *
 * Version 2: a forward is refused by the first rule of `mayAcceptForward` it breaks, the
 * same code whether or not we hold the session (`session_update.untrusted_source` is gone);
 * a refused key is noted under (room, sender key, session), and one naming no sender key
 * is not noted at all; the creator's key at a stored copy's index authenticates it.
 * Version 3: a session whose room key came before its sender's device was listed is
 * authenticated (or not) when a `/keys/query` lists that device.
 * Version 4: room events that did not decrypt cleanly are no longer indexed in the state
 * (one record per undecryptable event grew it without bound); the ledger keeps that index
 * beside the log (`src/room-event-repeat.ts`).
 * Version 5: our own outbound sessions are stored as inbound ones (source `own`).
 * Version 6: a request the ledger sends (`send_room_key_request`) records the devices it
 * went to; a forward from any other is refused; its cancellation is due once answered.
 * Version 7: sessions restored from a key backup (source `backup`) or imported from a key
 * export file (source `import`).
 * Version 8: index sightings kept in chunks of 64 consecutive indices of a session (one
 * path of the hashed map copied per fold instead of one per event).
 */
export const megolmSlice: Slice<MegolmState> = {
  name: 'megolm',
  version: 8,
  initial: initialMegolm,
  reduce(state, entry, ctx) {
    switch (entry.kind) {
      case 'olm_decrypted':
        foldOlmRoomKey(state, entry, ctx);
        return foldOlmWithheld(state, entry, ctx);
      case 'to_device':
        return foldPlaintextToDevice(state, entry, ctx);
      case 'user_action':
        return foldUserAction(state, entry, ctx);
      case 'keys_query':
        return foldKeysQueryForSessions(state, entry, ctx);
      case 'room_event':
        return foldRoomEvent(entry, ctx);
      case 'megolm_decrypted':
        return foldMegolmDecrypted(state, entry, ctx);
      case 'megolm_undecryptable':
        return foldMegolmUndecryptable(state, entry, ctx);
      case 'megolm_session_created':
        return foldOwnSession(state, entry, ctx);
      case 'gossip_sent':
        return foldGossipSent(state, entry);
      case 'secret_stored':
        return;
      case 'backup_version':
      case 'ledger_created':
      case 'rejected_input':
      case 'olm_undecryptable':
        return;
      case 'sync':
      case 'track_users':
      case 'keys_upload':
      case 'outgoing_request':
      case 'missing_sessions':
      case 'keys_claim':
      case 'olm_session_created':
      case 'fallback_key_forgotten':
      case 'sas_computed':
      case 'sas_mac_checked':
      case 'qr_secret_checked':
      case 'encrypt_to_device':
      case 'to_device_sent':
      case 'olm_encrypted':
      case 'share_room_key':
      case 'encrypt_room_event':
      case 'discard_room_key':
      case 'room_key_shared':
      case 'megolm_encrypted':
        return;
      case 'room_key_restored':
        return foldRestoredKey(state, entry, ctx);
      case 'account_data':
      case 'backup_keys':
      case 'secret_stored':
      case 'back_up_room_keys':
      case 'keys_backup':
      case 'account_data_sent':
      case 'cross_signing':
      case 'own_cross_signing_keys':
      case 'device_signing_upload':
      case 'signature_upload':
      case 'send_room_message':
      case 'room_message_sent':
        return;
      default:
        return ignoreUnknownKind(entry);
    }
  },
};
