import { ignoreUnknownKind } from '../../events/entry.js';
import type { Slice } from '../slice.js';
import { foldKeysClaimResponse, foldOlmDecryptedSession, foldOlmSessionCreated } from './claims.js';
import { foldEncryptToDevice, foldOlmEncrypted } from './encrypt.js';
import { foldFallbackKeyForgotten, foldKeysQueryResponse, foldKeysUploadResponse, foldOutgoingRequest, foldSentResponse, foldToDeviceSent } from './requests.js';
import { OUTBOUND_SLICE } from './selectors.js';
import { initialOutbound, type OutboundState } from './state.js';
import { foldSync, foldTrackUsers } from './tracking.js';
import { foldDiscardRoomKey, foldEncryptRoomEvent, foldMegolmEncrypted, foldMegolmSessionCreated, foldRoomKeyShared, foldShareRoomKey } from './room-keys.js';
import { foldOlmUndecryptableForRecovery } from './wedged.js';
import { foldDeviceSigningUpload, foldRoomMessageSent, foldSignatureUpload } from './cross-signing.js';

/**
 * The `outbound` slice: tracked device lists, the requests the engine made and their
 * answers, and the server's view of our one-time and fallback keys. What it decides is
 * what `src/outbound/` turns into requests (the keys themselves are made there).
 */
export const outboundSlice: Slice<OutboundState> = {
  name: OUTBOUND_SLICE,
  version: 4,
  initial: initialOutbound,
  reduce(state, entry, ctx) {
    switch (entry.kind) {
      case 'track_users':
        return foldTrackUsers(state, entry, ctx);
      case 'sync':
        return foldSync(state, entry, ctx);
      case 'outgoing_request':
        return foldOutgoingRequest(state, entry, ctx);
      case 'keys_query':
        return foldKeysQueryResponse(state, entry, ctx);
      case 'keys_upload':
        return foldKeysUploadResponse(state, entry, ctx);
      case 'keys_claim':
        return foldKeysClaimResponse(state, entry, ctx);
      case 'olm_session_created':
        return foldOlmSessionCreated(state, entry);
      case 'olm_decrypted':
        return foldOlmDecryptedSession(state, entry);
      case 'encrypt_to_device':
        return foldEncryptToDevice(entry, ctx);
      case 'to_device_sent':
        return foldToDeviceSent(state, entry, ctx);
      case 'keys_backup':
      case 'account_data_sent':
        return foldSentResponse(state, entry, ctx);
      case 'olm_encrypted':
        return foldOlmEncrypted(state, entry, ctx);
      case 'olm_undecryptable':
        return foldOlmUndecryptableForRecovery(state, entry, ctx);
      case 'fallback_key_forgotten':
        return foldFallbackKeyForgotten(state, entry, ctx);
      case 'share_room_key':
        return foldShareRoomKey(state, entry, ctx);
      case 'discard_room_key':
        return foldDiscardRoomKey(state, entry, ctx);
      case 'megolm_session_created':
        return foldMegolmSessionCreated(state, entry);
      case 'room_key_shared':
        return foldRoomKeyShared(state, entry, ctx);
      case 'encrypt_room_event':
        return foldEncryptRoomEvent(entry, ctx);
      case 'megolm_encrypted':
        return foldMegolmEncrypted(state, entry, ctx);
      case 'device_signing_upload':
        return foldDeviceSigningUpload(state, entry, ctx);
      case 'signature_upload':
        return foldSignatureUpload(state, entry, ctx);
      case 'room_message_sent':
        return foldRoomMessageSent(state, entry, ctx);
      case 'cross_signing':
      case 'own_cross_signing_keys':
      case 'send_room_message':
      case 'gossip_sent':
      case 'secret_stored':
      case 'missing_sessions':
      case 'to_device':
      case 'room_event':
      case 'backup_version':
      case 'user_action':
      case 'ledger_created':
      case 'rejected_input':
      case 'megolm_decrypted':
      case 'megolm_undecryptable':
      case 'sas_computed':
      case 'sas_mac_checked':
      case 'qr_secret_checked':
        return;
      case 'account_data':
      case 'backup_keys':
      case 'secret_stored':
      case 'back_up_room_keys':
      case 'room_key_restored':
        return;
      default:
        return ignoreUnknownKind(entry);
    }
  },
};
