import { ignoreUnknownKind } from '../../events/entry.js';
import type { Slice } from '../slice.js';
import { foldUserAction } from './actions.js';
import { foldKeysQuery } from './keys-query.js';
import { foldCrossSigning, foldOwnCrossSigningKeys, recheckOwnIdentity } from './own-identity.js';
import { initialIdentities, type IdentitiesState } from './state.js';

/**
 * The `identities` slice: devices and cross-signing identities as verified facts, master
 * keys pinned on first use, and the user's own verifications. Answers "is this device a
 * verified device of this user?" through the selectors in `selectors.ts`.
 *
 * Version 2: devices, cross-signing keys, pins and verifications (version 1 only listed devices).
 * Version 3: a standing key-ID collision suspends every verification of its user (what the
 * fold judges by trust, such as a master key change being a verification violation, follows).
 * Version 4: our own cross-signing keys (`ownCrossSigning`): our identity is trusted when the
 * master key listed for us is the one we hold.
 */
export const identitiesSlice: Slice<IdentitiesState> = {
  name: 'identities',
  version: 4,
  initial: initialIdentities,
  reduce(state, entry, ctx) {
    switch (entry.kind) {
      case 'ledger_created': {
        const p = entry.payload;
        state.own = { userId: p.user_id, deviceId: p.device_id, curve25519: p.keys.curve25519, ed25519: p.keys.ed25519, seq: entry.seq };
        return;
      }
      case 'keys_query':
        foldKeysQuery(state, entry, ctx);
        return recheckOwnIdentity(state, entry.seq, ctx);
      case 'cross_signing':
        return foldCrossSigning(state, entry, ctx);
      case 'own_cross_signing_keys':
        return foldOwnCrossSigningKeys(state, entry, ctx);
      case 'user_action':
        return foldUserAction(state, entry, ctx);
      case 'to_device':
      case 'room_event':
      case 'backup_version':
      case 'rejected_input':
      case 'olm_decrypted':
      case 'olm_undecryptable':
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
      case 'device_signing_upload':
      case 'signature_upload':
      case 'send_room_message':
      case 'room_message_sent':
        return;
      case 'account_data':
      case 'backup_keys':
      case 'secret_stored':
      case 'back_up_room_keys':
      case 'keys_backup':
      case 'account_data_sent':
      case 'room_key_restored':
        return;
      default:
        return ignoreUnknownKind(entry);
    }
  },
};
