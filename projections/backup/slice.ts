import { ignoreUnknownKind, type EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import type { ReduceContext, Slice } from '../slice.js';
import { backupCodes } from './codes.js';
import { restoreVerdict } from './restore.js';
import { mayUpload } from './selectors.js';
import { emptyHashedMap, hmSet } from '../hashmap.js';
import { sessionKey } from '../megolm/state.js';
import { initialBackup, isSecretStorageType, MAX_ACCOUNT_DATA, type BackupState } from './state.js';
import { checkSignatures, isBackupPublicKey, judgeVersion } from './trust.js';

const record = recorderFor(backupCodes);

/**
 * The `backup` slice: the server's key backup judged (`auth_data` trusted only by a
 * trusted signature of ours or a public key whose private key we hold from a trusted
 * source), keys restored from it judged, secrets from trusted sources noted, and the
 * secret storage account data kept. Folded after `identities`, which it reads.
 */
export const backupSlice: Slice<BackupState> = {
  name: 'backup',
  version: 1,
  initial: initialBackup,
  reduce(state, entry, ctx) {
    switch (entry.kind) {
      case 'backup_version':
        return foldVersion(state, entry, ctx);
      case 'keys_query':
        // New keys may let a signature be checked (or change what it was checked against).
        if (state.version !== null && state.version.publicKey !== null) {
          state.version.signatures = checkSignatures(ctx.root, ctx, JSON.parse(state.version.authDataJson) as Record<string, unknown>);
        }
        return rejudge(state, entry.seq, ctx);
      case 'user_action':
        if (entry.payload.action === 'open_secret_storage') {
          const p = entry.payload;
          record(ctx, p.mac_ok ? 'secret_storage.opened' : 'secret_storage.wrong_key', subject('secret', `m.secret_storage.key.${p.key_id}`), earlier(entry.seq, state.accountData[`m.secret_storage.key.${p.key_id}`]?.seq), { key_id: p.key_id, via: p.via });
          return;
        }
        // A verification may make a signature trusted.
        return rejudge(state, entry.seq, ctx);
      case 'secret_stored': {
        const p = entry.payload;
        record(ctx, 'secret.stored', subject('secret', p.name), [], { name: p.name, source: p.source, public_key: p.public_key, request_id: p.request_id });
        if (p.name === 'm.megolm_backup.v1' && p.public_key !== null) {
          state.trustedKeys[p.public_key] = { seq: entry.seq, source: p.source };
          rejudge(state, entry.seq, ctx);
        }
        return;
      }
      case 'account_data':
        return foldAccountData(state, entry.seq, entry.payload.events);
      case 'sync':
        return foldAccountData(state, entry.seq, entry.payload.account_data?.events ?? []);
      case 'backup_keys': {
        const verdict = restoreVerdict(ctx.root, entry.payload.version);
        record(ctx, verdict.code, subject('backup', entry.payload.version), earlier(entry.seq, ...verdict.because), { version: entry.payload.version, rooms: Object.keys(entry.payload.response.rooms).length });
        return;
      }
      case 'back_up_room_keys': {
        const upload = mayUpload(ctx.root);
        if (!upload.may) record(ctx, 'backup.upload_refused', subject('backup', upload.version ?? ''), earlier(entry.seq, upload.seq), { verdict: upload.code, version: upload.version });
        return;
      }
      case 'outgoing_request': {
        const p = entry.payload;
        if (p.type === 'keys_backup') {
          if (state.version?.version !== p.version) return;
          for (const s of p.sessions) hmSet(state.backedUp, sessionKey(s.room_id, s.sender_key, s.session_id), s.key_seq);
          record(ctx, 'backup.upload', subject('backup', p.version), earlier(entry.seq, state.verdict?.seq, p.input_seq), { version: p.version, request_id: p.id, sessions: p.sessions.length });
        } else if (p.type === 'account_data') {
          // Our own write: what we put there is what secret storage now holds.
          foldAccountData(state, entry.seq, [{ type: p.event_type, content: { ...p.body } }]);
        }
        return;
      }
      case 'ledger_created':
      case 'to_device':
      case 'room_event':
      case 'rejected_input':
      case 'olm_decrypted':
      case 'olm_undecryptable':
      case 'megolm_decrypted':
      case 'megolm_undecryptable':
      case 'track_users':
      case 'keys_upload':
      case 'keys_backup':
      case 'account_data_sent':
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
      case 'room_key_restored':
      case 'device_signing_upload':
      case 'signature_upload':
      case 'send_room_message':
      case 'room_message_sent':
      case 'gossip_sent':
      case 'sas_computed':
        return;
      case 'sas_mac_checked':
      case 'qr_secret_checked':
        // A verification flow may have ended here: a device of ours it verified may make a signature trusted.
        return state.version === null ? undefined : rejudge(state, entry.seq, ctx);
      case 'cross_signing':
      case 'own_cross_signing_keys':
        // Our own identity may have become trusted (or changed): a master signature may count now.
        if (state.version !== null && state.version.publicKey !== null) {
          state.version.signatures = checkSignatures(ctx.root, ctx, JSON.parse(state.version.authDataJson) as Record<string, unknown>);
        }
        return rejudge(state, entry.seq, ctx);
      default:
        return ignoreUnknownKind(entry);
    }
  },
};

function foldVersion(state: BackupState, entry: EntryOf<'backup_version'>, ctx: ReduceContext): void {
  const r = entry.payload.response;
  const authData = r.auth_data as Record<string, unknown>;
  const authDataJson = ctx.crypto.canonicalJson(authData);
  const previous = state.version;
  if (previous !== null && previous.version === r.version && previous.authDataJson !== authDataJson) {
    record(ctx, 'backup.auth_data_changed', subject('backup', r.version), earlier(entry.seq, previous.seq), { version: r.version, previous_public_key: previous.publicKey });
  }
  if (previous === null || previous.version !== r.version) state.backedUp = emptyHashedMap();
  const publicKey = typeof authData['public_key'] === 'string' && isBackupPublicKey(authData['public_key']) ? authData['public_key'] : null;
  state.version = {
    version: r.version,
    algorithm: r.algorithm,
    seq: entry.seq,
    authDataJson,
    publicKey,
    signatures: publicKey === null ? [] : checkSignatures(ctx.root, ctx, authData),
  };
  // Always decided on a version response, so every one names its verdict.
  state.verdict = null;
  rejudge(state, entry.seq, ctx);
}

/** Records the verdict on the current version when it differs from the last one recorded. */
function rejudge(state: BackupState, seq: number, ctx: ReduceContext): void {
  const v = state.version;
  const verdict = judgeVersion(ctx.root, state);
  if (v === null || verdict === null || state.verdict?.code === verdict.code) return;
  state.verdict = { code: verdict.code, seq };
  record(ctx, verdict.code, subject('backup', v.version), earlier(seq, ...verdict.because), {
    version: v.version, algorithm: v.algorithm, public_key: v.publicKey,
    signatures: v.signatures.length, valid_signatures: v.signatures.filter((s) => s.valid === true).length,
  });
}

function foldAccountData(state: BackupState, seq: number, events: readonly { type: string; content: Record<string, unknown> }[]): void {
  for (const e of events) {
    if (!isSecretStorageType(e.type)) continue;
    if (!Object.prototype.hasOwnProperty.call(state.accountData, e.type) && Object.keys(state.accountData).length >= MAX_ACCOUNT_DATA) continue;
    state.accountData[e.type] = { seq, content: e.content };
  }
}
