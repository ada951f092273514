import { ignoreUnknownKind } from '../../events/entry.js';
import type { Slice } from '../slice.js';
import { foldAction, foldMacChecked, foldQrChecked, foldRoomMessageSent, foldSasComputed, foldSent, recheckPinned } from './ours.js';
import { foldDecryptedRoomEvent, foldReceived, foldRoomEvent, timeOut } from './steps.js';
import { initialVerification, type VerificationState } from './state.js';

/**
 * The `verification` slice: interactive verification flows (to-device), both roles, with
 * the keys pinned at the start and the transcript of what was MACed. A done flow is what
 * `deviceTrust` / `identityState` read (`verdicts.ts`): one truth, nothing copied.
 */
export const verificationSlice: Slice<VerificationState> = {
  name: 'verification',
  version: 2,
  initial: initialVerification,
  reduce(state, entry, ctx) {
    // Time is the log's: every entry moves the clock of the running flows.
    if (state.active.length > 0) timeOut(state, ctx, entry.receivedAt, entry.seq);
    switch (entry.kind) {
      case 'to_device':
        if (entry.payload.event.type.startsWith('m.key.verification.')) foldReceived(state, entry, ctx);
        break;
      case 'user_action':
        foldAction(state, entry, ctx);
        break;
      case 'outgoing_request':
        foldSent(state, entry, ctx);
        break;
      case 'sas_computed':
        foldSasComputed(state, entry, ctx);
        break;
      case 'sas_mac_checked':
        foldMacChecked(state, entry, ctx);
        break;
      case 'qr_secret_checked':
        foldQrChecked(state, entry, ctx);
        break;
      case 'keys_query':
        if (state.active.length > 0) recheckPinned(state, entry, ctx);
        break;
      case 'room_event':
        foldRoomEvent(state, entry, ctx);
        break;
      case 'room_message_sent':
        foldRoomMessageSent(state, entry, ctx);
        break;
      case 'megolm_decrypted':
        if (entry.payload.verification !== undefined) foldDecryptedRoomEvent(state, entry, ctx);
        break;
      case 'backup_version':
      case 'rejected_input':
      case 'olm_decrypted':
      case 'olm_undecryptable':
      case 'megolm_undecryptable':
      case 'ledger_created':
      case 'sync':
      case 'track_users':
      case 'keys_upload':
      case 'missing_sessions':
      case 'keys_claim':
      case 'olm_session_created':
      case 'fallback_key_forgotten':
      case 'encrypt_to_device':
      case 'to_device_sent':
      case 'olm_encrypted':
      case 'share_room_key':
      case 'encrypt_room_event':
      case 'discard_room_key':
      case 'room_key_shared':
      case 'megolm_encrypted':
      case 'megolm_session_created':
      case 'cross_signing':
      case 'device_signing_upload':
      case 'signature_upload':
      case 'send_room_message':
      case 'own_cross_signing_keys':
      case 'gossip_sent':
      case 'secret_stored':
      case 'account_data':
      case 'account_data_sent':
      case 'backup_keys':
      case 'back_up_room_keys':
      case 'keys_backup':
      case 'room_key_restored':
        break;
      default:
        ignoreUnknownKind(entry);
    }
    if (state.owing.length > 0) state.owing = state.owing.filter((id) => (state.flows[id]?.owed.length ?? 0) > 0);
    if (state.finished.length > 256) for (const id of state.finished.splice(0, state.finished.length - 256)) delete state.flows[id];
  },
};
