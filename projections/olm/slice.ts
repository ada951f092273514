import { ignoreUnknownKind } from '../../events/entry.js';
import type { Slice } from '../slice.js';
import { foldToDevice } from './channel.js';
import { foldOlmDecrypted, foldOlmUndecryptable } from './payloads.js';
import { initialOlm, type OlmState } from './state.js';

/**
 * The `olm` slice: judges what ingestion decrypted with our Olm account. Every payload is
 * checked as the spec says before anything may be taken from it; the verdict is kept per
 * fact (`olmPayloadVerdict`) so the megolm slice, folded after this one, takes room keys
 * only from payloads that passed.
 */
export const olmSlice: Slice<OlmState> = {
  name: 'olm',
  version: 1,
  initial: initialOlm,
  reduce(state, entry, ctx) {
    switch (entry.kind) {
      case 'olm_decrypted':
        return foldOlmDecrypted(state, entry, ctx);
      case 'olm_undecryptable':
        return foldOlmUndecryptable(state, entry, ctx);
      case 'to_device':
        return foldToDevice(entry, ctx);
      case 'room_event':
      case 'keys_query':
      case 'backup_version':
      case 'user_action':
      case 'ledger_created':
      case 'rejected_input':
      case 'megolm_decrypted':
      case 'megolm_undecryptable':
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
      case 'gossip_sent':
      case 'secret_stored':
      case 'megolm_session_created':
        return;
      case 'account_data':
      case 'backup_keys':
      case 'secret_stored':
      case 'back_up_room_keys':
      case 'keys_backup':
      case 'account_data_sent':
      case 'room_key_restored':
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
