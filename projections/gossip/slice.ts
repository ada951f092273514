import { ignoreUnknownKind } from '../../events/entry.js';
import { olmPayloadVerdict } from '../olm/selectors.js';
import type { Slice } from '../slice.js';
import { foldKeyRequest, foldSecretRequest } from './incoming.js';
import { foldGossipSent, foldOlmSecretSend, foldSecretStored, foldSendSecretRequest } from './secrets.js';
import { GOSSIP } from './selectors.js';
import { initialGossip, type GossipState } from './state.js';

/**
 * The `gossip` slice: who may ask us for room keys and secrets (`m.room_key_request`,
 * `m.secret.request`), the answers we owe, our secret requests and whose `m.secret.send`
 * we take. Folded after `megolm` (a request is answered only for a session it holds),
 * whose own requests and forwards stay there.
 */
export const gossipSlice: Slice<GossipState> = {
  name: GOSSIP,
  version: 1,
  initial: initialGossip,
  reduce(state, entry, ctx) {
    switch (entry.kind) {
      case 'to_device': {
        const { event } = entry.payload;
        const who = { sender: event.sender, seq: entry.seq };
        if (event.type === 'm.room_key_request') return foldKeyRequest(state, ctx, who, event.content);
        if (event.type === 'm.secret.request') return foldSecretRequest(state, ctx, who, event.content);
        // A plaintext m.secret.send is the olm slice's refusal (`secret.not_over_olm`).
        return;
      }
      case 'olm_decrypted': {
        const p = entry.payload;
        const type = p.plaintext?.type;
        if (type === 'm.secret.send') return foldOlmSecretSend(state, entry, ctx);
        if (type !== 'm.room_key_request' && type !== 'm.secret.request') return;
        // A request over Olm: its sender is the checked payload's, once the olm slice took it.
        if (olmPayloadVerdict(ctx.root, entry.seq)?.ok !== true) return;
        const who = { sender: p.sender, seq: entry.seq };
        return type === 'm.room_key_request' ? foldKeyRequest(state, ctx, who, p.plaintext!.content) : foldSecretRequest(state, ctx, who, p.plaintext!.content);
      }
      case 'user_action':
        if (entry.payload.action === 'send_secret_request') foldSendSecretRequest(state, entry, ctx);
        return;
      case 'secret_stored':
        return foldSecretStored(state, entry);
      case 'gossip_sent':
        return foldGossipSent(state, entry);
      case 'room_event':
      case 'keys_query':
      case 'backup_version':
      case 'sync':
      case 'track_users':
      case 'keys_upload':
      case 'missing_sessions':
      case 'keys_claim':
      case 'encrypt_to_device':
      case 'to_device_sent':
      case 'share_room_key':
      case 'encrypt_room_event':
      case 'discard_room_key':
      case 'ledger_created':
      case 'rejected_input':
      case 'olm_undecryptable':
      case 'megolm_decrypted':
      case 'megolm_undecryptable':
      case 'outgoing_request':
      case 'olm_session_created':
      case 'olm_encrypted':
      case 'fallback_key_forgotten':
      case 'megolm_session_created':
      case 'room_key_shared':
      case 'megolm_encrypted':
      case 'cross_signing':
      case 'device_signing_upload':
      case 'signature_upload':
      case 'send_room_message':
      case 'room_message_sent':
      case 'own_cross_signing_keys':
      case 'account_data':
      case 'account_data_sent':
      case 'backup_keys':
      case 'back_up_room_keys':
      case 'keys_backup':
      case 'room_key_restored':
      case 'sas_computed':
      case 'sas_mac_checked':
      case 'qr_secret_checked':
        return;
      default:
        return ignoreUnknownKind(entry);
    }
  },
};
