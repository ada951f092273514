/**
 * The impure half of secrets and restored keys: what the facade decrypted (secret storage
 * opened with the user's key, a backup key the user entered, a key export file) is staged
 * here under a transaction ID, never logged, and turned into facts when its `user_action`
 * is ingested; a `backup_keys` response is decrypted here with our backup private key,
 * only when the backup slice's verdict on it is `backup.restored`.
 */
import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../events/envelope.js';
import type { BackedUpSessionRef, KeysBackupRequestBody, OutgoingRequestPayload } from '../../events/outbound.js';
import { backupStatus } from '../../projections/backup/selectors.js';
import { SECRET_NAMES, type RoomKeyRestoredPayload, type SecretSource } from '../../events/secret-storage.js';
import type { RoomKeyFacts } from '../../events/facts.js';
import { restoreVerdict } from '../../projections/backup/restore.js';
import { megolmSession } from '../../projections/megolm/selectors.js';
import { BackupDecryptor, encryptToBackupKey } from '../crypto/backup-key.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { LedgerState } from '../runtime/projector.js';
import { secretPublicKey, secretVaultKey, storeSecret } from '../secrets/stored.js';
import { examineRoomKey } from './examine-key.js';
import type { Derived } from './ingestor.js';
import { megolmVaultKey, type MegolmKeys } from './megolm-keys.js';

/** What a `user_action` carries in, staged by the facade under its `txn_id`. */
export type Staged =
  | { kind: 'secrets'; source: SecretSource; secrets: { name: string; secret: string }[] }
  | { kind: 'sessions'; sessions: readonly unknown[] }
  | { kind: 'account_data'; userId: string; events: { type: string; content: Record<string, unknown> }[] }
  | { kind: 'upload'; version: string; publicKey: string; body: KeysBackupRequestBody; sessions: BackedUpSessionRef[] };

/** Facts of one input being built, with what restoring them has read so far. */
type Restoring = Derived & {
  /** The state before the input (read once). */
  before?: LedgerState;
  /** Sessions this input examined, by session key: what a later copy in it is compared with. */
  examined?: Map<string, { firstKnownIndex: number; commitment: string }>;
};

/** Sessions taken from one backup response or file at most (each becomes an entry). */
export const MAX_RESTORED_SESSIONS = 200_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Json, k: string): string | null => (Object.prototype.hasOwnProperty.call(o, k) && typeof o[k] === 'string' ? (o[k] as string) : null);

export class RestoreIntake {
  private readonly staged = new Map<string, Staged>();
  /** Secrets written by batches not on disk yet (the vault cannot be read for them). */
  private readonly unwritten = new Map<string, string>();

  constructor(
    private readonly olm: typeof Olm,
    private readonly vault: Vault,
    private readonly megolmKeys: MegolmKeys,
  ) {}

  stage(txnId: string, item: Staged): void {
    this.staged.set(txnId, item);
  }

  /** `session_data` for one session, encrypted to a backup public key. */
  encryptForBackup(publicKey: string, plaintext: string): { ephemeral: string; mac: string; ciphertext: string } {
    return encryptToBackupKey(this.olm, publicKey, plaintext);
  }

  /**
   * The `keys_backup` request the facade prepared, made only if the backup is still the
   * trusted current one with the same public key as the state now says (the backup slice
   * decides the same on this input: `backup.upload_refused` otherwise).
   */
  private upload(txnId: string, seq: number, state: () => LedgerState): Derived | null {
    const item = this.staged.get(txnId);
    if (item === undefined || item.kind !== 'upload') return null;
    this.staged.delete(txnId);
    const status = backupStatus(state());
    if (!status.may || status.version !== item.version || status.publicKey !== item.publicKey || item.sessions.length === 0) return null;
    const payload: OutgoingRequestPayload = { id: randomUUID(), type: 'keys_backup', input_seq: seq, version: item.version, body: item.body, sessions: item.sessions };
    return { facts: [{ kind: 'outgoing_request', payload }], ops: [], keySeqs: [] };
  }

  /** The public key of a secret that is a private key (see `secretPublicKey`). */
  publicKeyOf(name: string, secret: string): string | null {
    return secretPublicKey(this.olm, name, secret);
  }

  unstage(txnId: string): void {
    this.staged.delete(txnId);
  }

  /** Called once a batch is on disk. */
  written(): void {
    this.unwritten.clear();
  }

  /** The facts of a secret or restore input, or null for any other input. */
  derive(envelope: Envelope, seq: number, state: () => LedgerState): Derived | Promise<Derived> | null {
    if (envelope.kind === 'backup_keys') return this.restoreBackup(envelope.version, envelope.response.rooms, seq, state);
    if (envelope.kind === 'back_up_room_keys') return this.upload(envelope.txn_id, seq, state);
    if (envelope.kind !== 'user_action') return null;
    if (envelope.action !== 'open_secret_storage' && envelope.action !== 'enter_backup_key' && envelope.action !== 'import_room_keys' && envelope.action !== 'create_secret_storage') return null;
    const item = this.staged.get(envelope.txn_id);
    if (item === undefined || item.kind === 'upload') return null;
    this.staged.delete(envelope.txn_id);
    if (item.kind === 'account_data') {
      const facts = item.events.map((e) => ({
        kind: 'outgoing_request',
        payload: { id: randomUUID(), type: 'account_data', input_seq: seq, user_id: item.userId, event_type: e.type, body: e.content } satisfies OutgoingRequestPayload,
      }));
      return { facts, ops: [], keySeqs: [] };
    }
    if (item.kind === 'secrets') {
      const out: Derived = { facts: [], ops: [], keySeqs: [] };
      for (const { name, secret } of item.secrets) {
        const { fact, op } = storeSecret(this.olm, this.vault, name, secret, item.source);
        out.facts.push(fact);
        out.ops.push(op);
        this.unwritten.set(name, secret);
      }
      return out;
    }
    const out: Restoring = { facts: [], ops: [], keySeqs: [] };
    for (const s of item.sessions.slice(0, MAX_RESTORED_SESSIONS)) {
      this.restoreOne(out, s, seq, 'import', null, state);
    }
    return { facts: out.facts, ops: out.ops, keySeqs: out.keySeqs };
  }

  /** One session (`ExportedSessionData`, or `BackedUpSessionData` with its room and ID added). */
  private restoreOne(out: Restoring, s: unknown, inputSeq: number, source: 'import' | 'backup', version: string | null, state: () => LedgerState, ids?: { roomId: string; sessionId: string }, error?: string): void {
    const factSeq = inputSeq + 1 + out.facts.length;
    const o = isObject(s) ? s : {};
    const roomId = ids?.roomId ?? str(o, 'room_id') ?? '';
    const sessionId = ids?.sessionId ?? str(o, 'session_id') ?? '';
    const senderKey = str(o, 'sender_key');
    const claimed = isObject(o['sender_claimed_keys']) ? str(o['sender_claimed_keys'], 'ed25519') : null;
    const chain = Array.isArray(o['forwarding_curve25519_key_chain']) ? (o['forwarding_curve25519_key_chain'] as unknown[]).filter((k): k is string => typeof k === 'string').slice(0, 32) : [];
    let roomKey: RoomKeyFacts | null = null;
    let why: string | null = error ?? null;
    const sessionKey = str(o, 'session_key');
    if (why === null && (str(o, 'algorithm') !== 'm.megolm.v1.aes-sha2' || sessionKey === null || senderKey === null || roomId === '' || sessionId === '')) {
      why = 'not an m.megolm.v1.aes-sha2 session with room_id, sender_key, session_id and session_key';
    }
    if (why === null) {
      // The state as it was before this input (read once: a fold per session would cost
      // more than the session), and the sessions this input already examined.
      const key = `${roomId} ${senderKey!} ${sessionId}`;
      const stored = out.examined?.get(key) ?? megolmSession((out.before ??= state()), roomId, senderKey!, sessionId);
      const examined = examineRoomKey(this.olm, sessionKey!, 'exported', stored, megolmVaultKey(factSeq));
      roomKey = examined.facts;
      const f = examined.facts;
      if (f.first_known_index !== null && f.commitment !== null && f.session_id === sessionId && (stored === undefined || f.first_known_index < stored.firstKnownIndex)) {
        (out.examined ??= new Map()).set(key, { firstKnownIndex: f.first_known_index, commitment: f.commitment });
      }
      if (examined.exported !== null) {
        out.ops.push(this.megolmKeys.put(factSeq, examined.exported));
        out.keySeqs.push(factSeq);
      }
    }
    const payload: RoomKeyRestoredPayload = {
      input_seq: inputSeq, source, version, room_id: roomId, sender_key: senderKey, sender_claimed_ed25519: claimed,
      session_id: sessionId, forwarding_chain: chain, room_key: roomKey, error: why,
    };
    out.facts.push({ kind: 'room_key_restored', payload });
  }

  private async restoreBackup(version: string, rooms: Record<string, { sessions: Record<string, unknown> }>, seq: number, state: () => LedgerState): Promise<Derived> {
    const out: Restoring = { facts: [], ops: [], keySeqs: [] };
    const verdict = restoreVerdict(state(), version);
    if (verdict.code !== 'backup.restored') return out;
    const secret = this.unwritten.get(SECRET_NAMES.backup) ?? (await this.vault.get(secretVaultKey(SECRET_NAMES.backup)));
    if (secret === undefined) return out;
    let decryptor: BackupDecryptor;
    try {
      decryptor = new BackupDecryptor(this.olm, new Uint8Array(Buffer.from(secret, 'base64')));
    } catch {
      return out;
    }
    try {
      if (decryptor.publicKey !== verdict.publicKey) return out;
      let n = 0;
      for (const roomId of Object.keys(rooms)) {
        const sessions = rooms[roomId]!.sessions;
        for (const sessionId of Object.keys(sessions)) {
          if (n++ >= MAX_RESTORED_SESSIONS) return out;
          const data = sessions[sessionId];
          const sd = isObject(data) && isObject(data['session_data']) ? data['session_data'] : null;
          const ephemeral = sd && str(sd, 'ephemeral');
          const mac = sd && str(sd, 'mac');
          const ciphertext = sd && str(sd, 'ciphertext');
          if (!ephemeral || !mac || !ciphertext) {
            this.restoreOne(out, {}, seq, 'backup', version, state, { roomId, sessionId }, 'session_data lacks ephemeral, mac or ciphertext');
            continue;
          }
          const plain = decryptor.decrypt({ ephemeral, mac, ciphertext });
          if ('error' in plain) {
            this.restoreOne(out, {}, seq, 'backup', version, state, { roomId, sessionId }, `did not decrypt: ${plain.error}`);
            continue;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(plain.plaintext);
          } catch {
            parsed = null;
          }
          this.restoreOne(out, parsed, seq, 'backup', version, state, { roomId, sessionId }, isObject(parsed) ? undefined : 'the decrypted session is not a JSON object');
        }
      }
      return out;
    } finally {
      decryptor.free();
    }
  }
}
