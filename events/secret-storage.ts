/**
 * Secret storage (`modules/secrets.md`, "Storage"), key backup restore and key import:
 * the `account_data` envelope (what the server holds for us: `m.secret_storage.*`,
 * `m.cross_signing.*`, `m.megolm_backup.v1`), the `backup_keys` envelope (a
 * `GET /room_keys/keys` response) and the facts a secret or a restored key leaves.
 *
 * ```json
 * {"kind":"account_data","events":[{"type":"m.secret_storage.default_key","content":{"key":"abc"}}]}
 * {"kind":"backup_keys","version":"1","response":{"rooms":{"!r:s":{"sessions":{"<id>":{…KeyBackupData…}}}}}}
 * ```
 * Account data contents are kept as received JSON objects: what they say is judged by the
 * rules (a bad key description opens nothing), not by the decoder.
 */
import * as t from 'io-ts';
import { Integer, JsonObject, NonNegativeInteger } from './codec.js';
import type { RoomKeyFacts } from './facts.js';

const Received = t.partial({ received_at: NonNegativeInteger });

/** The secret storage algorithm we implement. */
export const SECRET_STORAGE_V1 = 'm.secret_storage.v1.aes-hmac-sha2';

/** The account data types this engine reads (others are logged and ignored). */
export const SECRET_STORAGE_DEFAULT_KEY = 'm.secret_storage.default_key';
export const SECRET_STORAGE_KEY_PREFIX = 'm.secret_storage.key.';
/** The secret names of our cross-signing private keys and of the backup key. */
export const SECRET_NAMES = {
  master: 'm.cross_signing.master',
  selfSigning: 'm.cross_signing.self_signing',
  userSigning: 'm.cross_signing.user_signing',
  backup: 'm.megolm_backup.v1',
} as const;

/** One account data event: `{ type, content }`. */
export const AccountDataEvent = t.type({ type: t.string, content: JsonObject }, 'AccountDataEvent');
export type AccountDataEvent = t.TypeOf<typeof AccountDataEvent>;

/** `kind: "account_data"`: global account data events (from `/sync`'s `account_data`, or fetched). */
export const AccountDataEnvelope = t.intersection([
  t.type({ kind: t.literal('account_data'), events: t.array(AccountDataEvent) }),
  Received,
], 'AccountDataEnvelope');
export type AccountDataEnvelope = t.TypeOf<typeof AccountDataEnvelope>;

/** `m.secret_storage.key.*` content (`m.secret_storage.v1.aes-hmac-sha2`). */
export const SecretStorageKeyContent = t.intersection([
  t.type({ algorithm: t.string }),
  t.partial({
    name: t.string,
    iv: t.string,
    mac: t.string,
    passphrase: t.intersection([
      t.type({ algorithm: t.string, salt: t.string, iterations: Integer }),
      t.partial({ bits: Integer }),
    ]),
  }),
], 'SecretStorageKeyContent');
export type SecretStorageKeyContent = t.TypeOf<typeof SecretStorageKeyContent>;

/** One secret encrypted with one key: `{ iv, ciphertext, mac }` (unpadded or padded base64). */
export const AesHmacSha2Encrypted = t.type({ iv: t.string, ciphertext: t.string, mac: t.string }, 'AesHmacSha2Encrypted');
export type AesHmacSha2Encrypted = t.TypeOf<typeof AesHmacSha2Encrypted>;

/** The content of an account data event that holds a secret: key ID → encrypted secret. */
export const EncryptedSecretContent = t.type({ encrypted: t.record(t.string, t.unknown) }, 'EncryptedSecretContent');
export type EncryptedSecretContent = t.TypeOf<typeof EncryptedSecretContent>;

/** `KeyBackupData` (`api/definitions/key_backup_data.yaml`): one session in a backup. */
export const KeyBackupData = t.type({
  first_message_index: NonNegativeInteger,
  forwarded_count: NonNegativeInteger,
  is_verified: t.boolean,
  session_data: JsonObject,
}, 'KeyBackupData');
export type KeyBackupData = t.TypeOf<typeof KeyBackupData>;

/** A `GET /room_keys/keys` response body: room → sessions → `KeyBackupData`. Each session is judged alone. */
export const BackupKeysResponse = t.type({
  rooms: t.record(t.string, t.type({ sessions: t.record(t.string, t.unknown) })),
}, 'BackupKeysResponse');
export type BackupKeysResponse = t.TypeOf<typeof BackupKeysResponse>;

/** `kind: "backup_keys"`: the keys of backup `version`, to restore. */
export const BackupKeysEnvelope = t.intersection([
  t.type({ kind: t.literal('backup_keys'), version: t.string, response: BackupKeysResponse }),
  Received,
], 'BackupKeysEnvelope');
export type BackupKeysEnvelope = t.TypeOf<typeof BackupKeysEnvelope>;

/** Where a secret we hold came from. */
// The `secret_stored` fact is shared with the gossip slice (secrets sent over Olm): one declaration, in gossip.ts.
export type { SecretSource, SecretStoredPayload } from './gossip.js';

/** Where a restored room key came from. */
export type RestoredKeySource = 'backup' | 'import';

/**
 * Payload of a `room_key_restored` fact: one session from a backup (`GET /room_keys/keys`)
 * or a key export file, decrypted at ingestion. The key is sealed in the vault; the log
 * holds what olm says it is.
 */
export interface RoomKeyRestoredPayload {
  /** The `backup_keys` or `user_action` entry it came with. */
  readonly input_seq: number;
  readonly source: RestoredKeySource;
  /** The backup version (null for an import). */
  readonly version: string | null;
  readonly room_id: string;
  /** The session's sender key and claimed ed25519 key, as the backup or file states them. */
  readonly sender_key: string | null;
  readonly sender_claimed_ed25519: string | null;
  /** The session ID the backup or file claims. */
  readonly session_id: string;
  readonly forwarding_chain: readonly string[];
  /** Null when the session did not decrypt (then `error` says why). */
  readonly room_key: RoomKeyFacts | null;
  readonly error: string | null;
}
