/**
 * The public contract of a ledger: every member of the {@link Ledger} facade, documented
 * here once. The facade (`src/ledger.ts`) implements it and carries the code; editors show
 * these comments on the facade's members.
 */
import type { Observable } from 'rxjs';
import type { Envelope } from '../events/envelope.js';
import type { LedgerEntry } from '../events/entry.js';
import type { SyncEnvelope } from '../events/outbound.js';
import type { Decision } from '../projections/decision.js';
import type { CrossSigningKeySource, CrossSigningPrivateKeys, CrossSigningStatus, EntryRange, IngestOutcome, IngestResult, ReplayOptions, RoomKeySettings, SendRoomMessageOptions, VerificationOptions } from './api-types.js';
import type { MegolmEncryptedEventContent } from './outbound/room-keys.js';
import type { KeysUploadBody, SignedDeviceKeys } from './crypto/account.js';
import type { DecisionFilter } from './log/decisions.js';
import type { VerifyOptions, VerifyReport } from './log/verify.js';
import type { OutgoingRequest } from './outbound/outgoing.js';
import type { ToDeviceResult } from './outbound/sync-results.js';
import type { DecryptedRoomEvent, DecryptRoomEventOptions } from './room-event.js';
import type { LedgerState, SliceVersions } from './runtime/projector.js';
import type { BackupStatus, MayUpload } from '../projections/backup/selectors.js';
import type { BackupKeysResponse } from '../events/secret-storage.js';
import type { SecretStorageUnlock } from './secrets/open-storage.js';
import type { VerificationView } from './verifications.js';

/** What a verification call did: the input's seq, the messages it queued, its decisions, and the flow after it. */
export interface VerificationStepResult {
  readonly seq: number;
  readonly requests: OutgoingRequest[];
  readonly decisions: Decision[];
  readonly flow: VerificationView | undefined;
}

/** The user and device that own a ledger, and the device's identity keys. */
export interface LedgerOwner {
  userId: string;
  deviceId: string;
  ed25519: string;
  curve25519: string;
}

/** What an open ledger offers (see `openLedger`). */
export interface LedgerApi {
  /** True when opened for analysis: nothing is written. */
  readonly readOnly: boolean;
  /** The user and device that own this ledger. */
  readonly owner: LedgerOwner;
  /**
   * Why the log could not be read to its end (read-only opens only), or null. The state
   * is as of the last readable entry; `verify()` says what is wrong.
   */
  readonly damaged: string | null;
  /** Every entry, once it is written (hot; completes on close). */
  readonly entries$: Observable<LedgerEntry>;
  /** Every decision, once its entry is written (hot; completes on close). */
  readonly decisions$: Observable<Decision>;
  /** The state after each written batch; a new subscriber gets the current one (completes on close). */
  readonly state$: Observable<LedgerState>;
  /** Each request the engine makes, once it is written (hot; completes on close). Pending ones: {@link outgoingRequests}. */
  readonly outgoing$: Observable<OutgoingRequest>;
  /**
   * Appends one envelope to the log and folds it. Resolves once the input and every fact
   * derived from it are written, in one batch. The type is the README's envelope table,
   * so a misspelt kind, action or field is a compile error; input the compiler cannot
   * vouch for (JSON text, objects from elsewhere) goes to {@link Ledger.ingestUnknown}.
   *
   * @throws InputDecodeError when the envelope still fails the run-time check (e.g. an
   *   event content that breaks its schema); it is logged, as a `rejected_input` entry
   *   whose seq the error carries.
   * @throws LedgerReadOnlyError, LedgerClosedError, LedgerWriteError.
   */
  ingest(envelope: Envelope): Promise<IngestResult>;
  /**
   * Appends many envelopes in one atomic batch: after a crash either all of them are in
   * the log or none. Bad inputs do not stop the others: each gets its own outcome.
   */
  ingestMany(envelopes: readonly Envelope[]): Promise<IngestOutcome[]>;
  /**
   * {@link Ledger.ingest} for untyped input: an object of unknown shape, an envelope's
   * JSON text (as a line of an NDJSON file), or that text's UTF-8 bytes. An object is
   * serialised once, when this is called, and what is logged is what is decoded; whatever
   * fails is logged as a `rejected_input` entry.
   *
   * @throws InputDecodeError (the input is still logged), LedgerReadOnlyError,
   *   LedgerClosedError, LedgerWriteError.
   */
  ingestUnknown(input: unknown): Promise<IngestResult>;
  /** {@link Ledger.ingestMany} for untyped inputs (objects or JSON text): one atomic batch, one outcome each. */
  ingestManyUnknown(inputs: readonly unknown[]): Promise<IngestOutcome[]>;
  /**
   * Logs a room event as received and decrypts it: resolves with the plaintext (never
   * logged), the session and message index, how far the session can be trusted to come
   * from its sender device, that device and its trust, the shield a UI shows, and the
   * decisions the event caused. The plaintext is withheld (`plaintext: null`, `utd` says
   * why) when the sender does not own the session, the index was decrypted before for
   * another event, the plaintext names another room, or the sender is below the trust
   * requirement, unless `forensic` asks for it. The same event again (same ID and content)
   * is answered from the log, appending nothing (`repeated`), unless it did not decrypt and
   * a key for it has come since.
   * `receivedAt` stamps the entry (default: now), as `received_at` does in an envelope.
   *
   * @throws InputDecodeError when the event is not a valid room event (it is still logged).
   */
  decryptRoomEvent(roomId: string, event: unknown, options?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent>;
  /** The same, for a timeline event that names its room (`room_id`), or a whole `room_event` envelope. */
  decryptRoomEvent(eventOrEnvelope: object, options?: DecryptRoomEventOptions): Promise<DecryptedRoomEvent>;
  /**
   * Logs the crypto parts of one `/sync` response as one input, in one atomic batch: its
   * to-device events (each logged and judged as a lone `to_device` envelope), tracked
   * users in `device_lists.changed` marked outdated and those in `left` no longer
   * tracked, and the server's counts of our one-time and fallback keys. The requests this
   * calls for (`keys_query`, `keys_upload`) are made in the same batch: see
   * {@link outgoingRequests}. Resolves with each to-device event as processed (never the
   * content of a room key or a secret).
   *
   * @throws InputDecodeError when the sync itself is not valid (it is logged, as rejected);
   *   a bad to-device event is only that event's `invalid` result.
   */
  receiveSync(sync: Omit<SyncEnvelope, 'kind' | 'to_device_events'>): Promise<IngestResult & { toDeviceEvents: ToDeviceResult[] }>;
  /**
   * Adds users whose device lists matter (logged): each one not tracked yet is outdated,
   * so a `keys_query` request for it is made.
   */
  updateTrackedUsers(users: readonly string[]): Promise<IngestResult>;
  /**
   * Asks for Olm sessions with every device of `users` (logged): a `keys_claim` request for
   * those listed by `/keys/query` that we share no session with (none blocked, none whose
   * keys changed), returned and queued with the others (send it once: it is also in
   * {@link outgoingRequests}); null when none is missing. When
   * its response is marked sent, each claimed key is checked against its device's Ed25519
   * key and a session made from each that passes.
   */
  getMissingSessions(users: readonly string[]): Promise<OutgoingRequest | null>;

  // ---- secret storage, key backup, key export (#16) -------------------------------------
  /**
   * Opens secret storage with the recovery key or passphrase the user entered (the default
   * key unless `keyId` names one). Logs an `open_secret_storage` user action holding only
   * the key ID and the MAC check's result; each secret it decrypts (our cross-signing keys,
   * the backup key) is sealed in the vault under `secret/<name>` with a `secret_stored`
   * fact. Throws `RecoveryKeyError` for a mistyped recovery key (nothing logged),
   * `SecretStorageError` with code `secret_storage.no_key` / `.unknown_algorithm` /
   * `.no_passphrase` (nothing logged) or `secret_storage.wrong_key` (logged, as
   * `secret_storage.wrong_key`). Cross-signing keys it holds are then imported
   * (`importCrossSigningKeys(…, 'secret_storage')`), which makes our identity trusted when
   * they are the published ones: `crossSigning` is `own_cross_signing.keys_held`, or the
   * refusal's code, or null when 4S held none.
   */
  openSecretStorage(unlock: SecretStorageUnlock, keyId?: string): Promise<{ keyId: string; stored: string[]; failed: string[]; crossSigning: string | null }>;
  /**
   * The user entered the backup private key itself (in the recovery key representation, as
   * the spec says a backup key given to the user is shown): logged as its public key; the
   * key is sealed in the vault (`secret_stored`, source `user`), which makes a backup with
   * that public key trusted. Throws `RecoveryKeyError` for a mistyped key.
   */
  enterBackupKey(recoveryKey: string): Promise<{ publicKey: string | null }>;
  /**
   * Makes a new secret storage key (random, or from `passphrase` by PBKDF2-SHA-512) and
   * returns its recovery key once (show it to the user; it is never logged or kept), with
   * the `account_data` requests (PUT /user/{userId}/account_data/{type}) that write its
   * description, make it the default key, and store every secret we hold (the backup
   * key, our cross-signing keys) encrypted to it. Logged as a `create_secret_storage`
   * user action naming the key ID and the secrets.
   */
  createSecretStorage(options?: { passphrase?: string }): Promise<{ keyId: string; recoveryKey: string; secrets: string[]; requests: OutgoingRequest[] }>;
  /** Whether keys may go to the server's backup now (`backup.may_upload`), with the verdict's code. */
  mayBackUp(): MayUpload;
  /** The server's current backup: version, trust and its signatures in their four states. */
  backupStatus(): BackupStatus;
  /**
   * Restores the keys of a `GET /room_keys/keys` response for backup `version` (a
   * `backup_keys` input): decrypted only from the trusted current version with our backup
   * key (else refused: `backup.restore_untrusted`, `backup.restore_no_key`); each session
   * then enters the megolm slice with source `backup` (`room_key.restored`, unauthenticated).
   */
  restoreBackup(version: string, response: BackupKeysResponse): Promise<{ restored: number; refused: number; decisions: Decision[] }>;
  /**
   * Sends room keys to the server's backup: a `keys_backup` request (returned, and in
   * {@link outgoingRequests}) with up to `maxSessions` sessions the current backup does not
   * hold with their current key, each encrypted to its public key
   * (`m.megolm_backup.v1.curve25519-aes-sha2`). Never automatic: call it after new keys
   * arrive, until it returns null. Throws `BackupNotTrustedError` (logged as
   * `backup.upload_refused`) when the backup's `auth_data` is not trusted.
   */
  backUpRoomKeys(maxSessions?: number): Promise<OutgoingRequest | null>;
  /**
   * Imports a key export file (the spec's `MEGOLM SESSION DATA` format) decrypted with
   * `passphrase`: each session enters the megolm slice with source `import`
   * (`room_key.imported`, unauthenticated). Throws `KeyExportError` for a file that is not
   * one or a wrong passphrase (nothing logged).
   */
  importRoomKeys(fileText: string, passphrase: string): Promise<{ imported: number; refused: number }>;
  /** Writes every Megolm session we hold into a key export file encrypted with `passphrase`. */
  exportRoomKeys(passphrase: string): Promise<string>;
  /**
   * Olm-encrypts a to-device event for one device (the spec's payload, with
   * `sender_device_keys`), with the session it last received a message on, and queues it
   * as a `to_device` request (also returned, and in {@link outgoingRequests}: send it once). The content is never logged: the log keeps
   * the request (`encrypt_to_device`), the decision, the session and the ciphertext's hash.
   * Refused, with a decision and `request: null`, for a device `/keys/query` did not list,
   * one blocked or whose keys changed, or one we share no session with
   * (`getMissingSessions` first).
   */
  encryptToDevice(userId: string, deviceId: string, type: string, content: Record<string, unknown>): Promise<{ request: OutgoingRequest | null; decisions: Decision[] }>;
  /**
   * Asks `userId` to verify, to-device: one device, or every device of the user we know
   * (the others get `m.accepted` once one answers). The flow ID is the request's
   * `transaction_id`; the `m.key.verification.request` messages are in the result and in
   * {@link outgoingRequests}. Refused (the flow ends cancelled, with a decision) for a
   * user with a device whose ID equals a cross-signing key. `options.qr` also offers to
   * show a QR code (see {@link verificationQrCode}).
   */
  requestVerification(userId: string, deviceId?: string, options?: VerificationOptions): Promise<VerificationStepResult & { id: string }>;
  /**
   * Asks `userId` to verify in a room (an `m.room.message` with msgtype
   * `m.key.verification.request`, queued as a `room_message` request; later steps point
   * at its event with `m.reference`). The returned `id` names the flow; once the request
   * is sent (`markRequestAsSent` with the server's `{ event_id }`) the flow's `eventId` is
   * its ID on the wire. Received in-room verification events come in as `room_event`
   * inputs. Encrypted rooms are not supported yet: the messages go in the clear.
   */
  requestVerificationInRoom(roomId: string, userId: string, options?: VerificationOptions): Promise<VerificationStepResult & { id: string }>;
  /**
   * Accepts a request made to us (`m.key.verification.ready`), as the `verification_accept`
   * user action. `options.qr` also offers to show a QR code (see {@link verificationQrCode}).
   */
  acceptVerification(id: string, options?: VerificationOptions): Promise<VerificationStepResult>;
  /**
   * The QR code of a ready flow for the client to draw (the binary segment of the spec's
   * "QR code format": `MATRIX`, 0x02, the mode, the flow's ID, two keys, a random shared
   * secret kept in memory only). Mode 0x00 when verifying another user (our master key,
   * theirs), 0x01 when verifying another of our devices while this one trusts our master key
   * (master key, the other device's key), 0x02 when it does not yet (this device's key, the
   * master key). The keys are those pinned when the flow became ready. Needs `qr: true` on
   * our request or ready and a peer that can scan; throws `QrUnavailableError` otherwise.
   * When the other device scanned it (its `m.reciprocate.v1` start carries the secret, checked
   * in memory: decision `verification.qr_scanned`), the user confirms with `confirmSas(id)`.
   */
  verificationQrCode(id: string): Uint8Array;
  /**
   * The user scanned the other device's QR code (we offered `m.qr_code.scan.v1` with
   * `qr: true`, it offered `m.qr_code.show.v1`): the code is parsed (`QrInvalidError` when it
   * is not a Matrix verification code; nothing is logged then) and logged as the
   * `verification_scan_qr` user action without its secret. Its keys must be, for its mode,
   * the keys pinned when the flow became ready and ours, by public key; any mismatch cancels
   * with `m.key_mismatch` (`verification.qr_key_mismatch`). Otherwise the keys it proves are
   * verified (their master key in modes 0x00/0x01, their device in 0x02) and we send
   * `m.key.verification.start` with `m.reciprocate.v1` and the secret (the log holds
   * `[sealed]`; {@link outgoingRequests} gives the real one), then `done` after theirs.
   */
  scanVerificationQrCode(id: string, bytes: Uint8Array): Promise<VerificationStepResult>;
  /**
   * Starts SAS on a ready flow (`m.key.verification.start`, `m.sas.v1`). The keys under
   * verification are pinned now, by public key.
   */
  startSas(id: string): Promise<VerificationStepResult>;
  /**
   * The user compared the SAS (`verification_confirm`): `match` true sends our MAC (and,
   * once theirs verified over the pinned keys, `done`); false cancels with `m.mismatched_sas`.
   * For a QR code we showed and the other device scanned: true says "the other device
   * scanned it" (the keys the code's mode verifies are verified, `done` is sent), false cancels.
   */
  confirmSas(id: string, match?: boolean): Promise<VerificationStepResult>;
  /** The user cancels a flow (`m.user`). */
  cancelVerification(id: string): Promise<VerificationStepResult>;
  /** Every verification flow: running ones, then finished ones, with SAS, pinned keys, transcript and outcome. */
  verifications(): VerificationView[];
  /** {@link verifications} after every written batch that changed a flow. */
  readonly verifications$: Observable<VerificationView[]>;
  /**
   * The requests the client must send, in the order they were made: each stays here,
   * across restarts, until {@link markRequestAsSent} logs its response.
   */
  outgoingRequests(): OutgoingRequest[];
  /**
   * Logs the server's response to a request and folds it: a `keys_query` response is a
   * `keys_query` envelope (judged exactly as one), a `keys_upload` response updates the
   * server's count of our one-time keys. The requests it calls for are made with it.
   *
   * @throws InputDecodeError when the response does not decode for its type (it is
   *   logged, as rejected, and the request stays pending).
   */
  markRequestAsSent(id: string, type: string, response: unknown): Promise<IngestResult>;
  /** Our device's signed `device_keys`, for `/keys/upload`. */
  deviceKeys(): SignedDeviceKeys;
  /**
   * A fresh batch of signed one-time keys and a signed fallback key for `/keys/upload`,
   * marked published and saved before this resolves (so a key is never handed out twice).
   * `count` defaults to half the account's maximum, as clients keep on the server.
   */
  publishKeys(options?: { count?: number; withDeviceKeys?: boolean }): Promise<KeysUploadBody>;
  /** The state after the last written entry. */
  state(): LedgerState;
  /** The seq of the last written entry. */
  headSeq(): number;
  /** SHA-256 of the canonical JSON of a state (default: the current one). */
  stateHash(state?: LedgerState): string;
  /** The slice versions this engine folds with. */
  sliceVersions(): SliceVersions;
  /**
   * The state right after entry `seq`: from the newest snapshot at or before it, plus
   * the entries in between (never a replay from zero when a snapshot exists).
   */
  stateAt(seq: number): Promise<LedgerState>;
  /**
   * Replays the log with this engine's reducers, from the start (or from the newest
   * snapshot when `fromSnapshot`), without touching the ledger: the basis of what-if and
   * rejudge analysis. `skip` leaves entries out, as if they had never arrived.
   */
  replay(options?: ReplayOptions): Promise<{ state: LedgerState; entries: number; headSeq: number }>;
  /** Re-folds entries from a given state without touching the ledger (what-if analysis). */
  fold(state: LedgerState, entries: readonly LedgerEntry[], decisions?: Decision[]): LedgerState;
  /** The initial (empty) state of every slice. */
  initialState(): LedgerState;
  /** Decisions in log order, narrowed by `filter`. */
  decisions(filter?: DecisionFilter): Promise<Decision[]>;
  /**
   * Decisions in log order, narrowed by `filter`, one at a time (for `for await`): memory
   * stays bounded whatever their number, where {@link decisions} collects them.
   */
  streamDecisions(filter?: DecisionFilter): AsyncGenerator<Decision>;
  /**
   * Decisions as they were taken when each entry was written, whatever the rules since
   * (`decisions` follows the current rules). Empty for ledgers written before they were kept.
   */
  recordedDecisions(filter?: DecisionFilter): Promise<Decision[]>;
  /**
   * An entry with the secrets it keeps sealed put back (for an export the user asked to
   * include secrets in). Needs the ledger opened with its store key.
   *
   * @throws VaultKeyError without the store key, or with a wrong one.
   */
  revealSecrets(entry: LedgerEntry): LedgerEntry;
  /**
   * Written entries with `from <= seq <= to`, in order: iterate them with `for await`
   * (read in chunks, for logs of any size), or `await` the call for an array.
   *
   * @throws UnreadableEntriesError at entries that cannot be read (a damaged table), naming
   *   them; with `onUnreadable`, they are reported to it and skipped instead.
   */
  entries(range?: { from?: number; to?: number; onUnreadable?: (gap: { first: number; last: number | null }) => void }): EntryRange;
  /**
   * Reads every record of the log, without decoding it, to find a damaged table before
   * anything is appended after it (0.9 s for 200,000 entries here: linear in the log).
   *
   * @throws UnreadableEntriesError naming the first entries that cannot be read; the
   *   ledger then refuses to append ({@link LedgerDamagedError}).
   */
  checkLogReadable(onProgress?: (seq: number) => void): Promise<void>;
  /**
   * Writes a consistent copy of the ledger into `dir` (absent or empty) from the process
   * that holds it, while ingestion goes on: everything is read from one LevelDB snapshot,
   * so the copy holds whole batches only and `verify` passes on it. The copy is for
   * analysis (open it read-only): the vault (our Olm account and sessions) is left out
   * unless `vault: true`, which makes a backup that can be opened for writing.
   *
   * @throws LedgerDamagedError when `dir` is not absent or empty; the store errors when
   *   it cannot be written.
   */
  copyTo(dir: string, options?: { vault?: boolean }): Promise<{ entries: number; headSeq: number }>;
  /** Checks the hash chain, the signed checkpoints and the snapshot state hashes. */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /**
   * Writes what is pending, stores a final signed snapshot, frees the olm objects and
   * closes the store. The rxjs streams complete.
   */
  close(): Promise<void>;
  /**
   * Shares the room's outbound Megolm session with the devices of `userIds` (the room's
   * members), logged, in one batch: the session is made, or rotated first when it must be
   * (its period or message count reached, a member gone, a device that holds it removed,
   * blocked or below the strategy, or discarded), each with a decision naming why. Each
   * device gets a decision: the key (`m.room_key` over Olm), a wait for a session (a
   * keys_claim is made with the share, and the key follows when its response is marked
   * sent), or `m.room_key.withheld` with the spec's code. The requests it made are
   * returned (send them once: they are also in {@link outgoingRequests}); the key never
   * enters the log.
   */
  shareRoomKey(roomId: string, userIds: readonly string[], settings?: RoomKeySettings): Promise<{ seq: number; requests: OutgoingRequest[]; decisions: Decision[] }>;
  /**
   * Megolm-encrypts a room event with the room's outbound session: the `m.room.encrypted`
   * content to send. The log keeps the session, the index, the type and the ciphertext's
   * hash (`megolm_encrypted`), never the content.
   *
   * @throws RoomKeyNotSharedError when the room has no session (share first) or it is due
   *   for rotation (share again); the refusal is logged with its decision.
   */
  encryptRoomEvent(roomId: string, eventType: string, content: Record<string, unknown>): Promise<MegolmEncryptedEventContent>;
  /**
   * Discards the room's outbound session (logged, `megolm_out.rotate_discarded`): the next
   * {@link shareRoomKey} makes a new one. False when there was none to discard.
   */
  discardRoomKey(roomId: string): Promise<boolean>;

  /**
   * Queues an event for a room as a `room_message` request (`PUT /rooms/{roomId}/send/{eventType}/{txnId}`).
   * Encrypted (through {@link encryptRoomEvent}, sent as `m.room.encrypted`) when
   * `options.encrypted` is true, or, when it is absent, when the ledger has an outbound
   * session for the room; as is otherwise. The request stays pending until
   * {@link markRequestAsSent} logs the server's `{ event_id }`.
   *
   * @throws RoomKeyNotSharedError when it is to be encrypted and the room has no usable session
   *   (nothing is sent in the clear instead).
   */
  sendRoomMessage(roomId: string, eventType: string, content: Record<string, unknown>, options?: SendRoomMessageOptions): Promise<OutgoingRequest>;
  /**
   * Makes our cross-signing identity: new master, self-signing and user-signing keys
   * (private seeds sealed in the vault as `cross_signing/master`, `…/self_signing`,
   * `…/user_signing`), the master key signed by our device, our device signed by the
   * self-signing key. Returns (and queues) two requests, to send in this order: a
   * `device_signing_upload` (the client adds the user-interactive `auth` the server asks
   * for) and a `signature_upload`. Logs an `own_cross_signing_keys` fact (public keys only).
   * A second call replaces the identity.
   */
  bootstrapCrossSigning(): Promise<{ keys: { master: string; selfSigning: string; userSigning: string }; requests: OutgoingRequest[]; decisions: Decision[] }>;
  /**
   * Imports private cross-signing keys (from secret storage, secret sharing, or the user):
   * each seed must derive to the public key of its role that our identity publishes (our
   * last `/keys/query` of our own user). Sealed in the vault; logged as an
   * `own_cross_signing_keys` fact with `source` (public keys only).
   *
   * @throws CrossSigningRefusedError (`own_cross_signing.import_mismatch`, `.import_no_identity`):
   *   nothing of the import is kept.
   */
  importCrossSigningKeys(keys: CrossSigningPrivateKeys, source: CrossSigningKeySource): Promise<{ decisions: Decision[] }>;
  /**
   * Signs a device of ours with our self-signing key: a queued `signature_upload` request.
   *
   * @throws CrossSigningRefusedError (`cross_sign.no_private_key`, `.unknown_device`, `.key_id_collision`).
   */
  crossSignDevice(deviceId: string): Promise<{ request: OutgoingRequest; decisions: Decision[] }>;
  /**
   * Signs another user's master key (the one pinned or approved, as listed) with our
   * user-signing key: a queued `signature_upload` request.
   *
   * @throws CrossSigningRefusedError (`cross_sign.no_private_key`, `.unknown_identity`, `.key_id_collision`).
   */
  crossSignUser(userId: string): Promise<{ request: OutgoingRequest; decisions: Decision[] }>;
  /** Our cross-signing identity: published public keys, which private keys we hold, whether it is trusted. */
  crossSigningStatus(): CrossSigningStatus;
  /**
   * Asks our own verified devices (as the state stands now) for a Megolm session: an
   * `m.room_key_request` to each, as one `to_device` request (`room_key.requested`; with no
   * verified device nothing is sent, `room_key.request_no_device`). A forwarded key is then
   * accepted only over the Olm channel of a device it went to
   * (`forwarded_key.unasked_device` otherwise), and once one is, the others are sent a
   * `request_cancellation`. Replaces the `request_room_key` user action, which still folds.
   * `senderKey` is the session's Curve25519 sender key when the event names it.
   */
  requestRoomKey(roomId: string, sessionId: string, senderKey?: string): Promise<GossipRequestResult>;
  /**
   * Asks our own verified devices for a secret (`m.secret.request`,
   * `secret_request.requested` or `secret_request.no_verified_device`). An answer is taken
   * only over Olm from a device it went to, by request ID; the secret is sealed in the vault
   * (`secret_stored`), the other devices get a `request_cancellation`.
   */
  requestSecret(name: string): Promise<GossipRequestResult>;
}

/** What `requestRoomKey` / `requestSecret` did: the request's ID, the requests to send, the decision. */
export interface GossipRequestResult {
  requestId: string;
  requests: OutgoingRequest[];
  decisions: Decision[];
}
