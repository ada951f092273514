import type {
  BackupVersionEnvelope, KeysQueryEnvelope, RoomEventEnvelope, ToDeviceEnvelope, UserActionEnvelope,
} from './envelope.js';
import type { EncryptToDeviceEnvelope, ToDeviceSentEnvelope, KeysClaimEnvelope, KeysUploadEnvelope, MissingSessionsEnvelope, SyncEnvelope, TrackUsersEnvelope } from './outbound.js';
import type { FactPayloads } from './facts.js';
import type { CrossSigningEnvelope, DeviceSigningUploadEnvelope, RoomMessageSentEnvelope, SendRoomMessageEnvelope, SignatureUploadEnvelope } from './cross-signing.js';
import type { DiscardRoomKeyEnvelope, EncryptRoomEventEnvelope, ShareRoomKeyEnvelope } from './megolm-out.js';

/**
 * The ledger's own entry: one record of the append-only log.
 *
 * `hash` is SHA-256 over the canonical JSON of the entry without `hash`;
 * `prevHash` is the previous entry's `hash` (64 zeros for seq 0), so any edited,
 * dropped or reordered entry breaks the chain.
 */
export interface LedgerEntry<K extends string = string, P = unknown> {
  readonly seq: number;
  /** Milliseconds since the epoch: the envelope's `received_at`, or the time of ingestion. */
  readonly receivedAt: number;
  readonly kind: K;
  readonly payload: P;
  readonly prevHash: string;
  readonly hash: string;
}

/** An entry before it is stamped with its place in the chain. */
export type UnsealedEntry<K extends string = string, P = unknown> = Omit<
  LedgerEntry<K, P>,
  'seq' | 'prevHash' | 'hash'
>;

/** The `prevHash` of the first entry. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Payload of the first entry of every log (seq 0): whose device wrote it. */
export interface LedgerCreatedPayload {
  readonly user_id: string;
  readonly device_id: string;
  /** Public identity keys of our device: `{ curve25519, ed25519 }`. */
  readonly keys: { readonly curve25519: string; readonly ed25519: string };
  readonly engine_version: string;
}

/** Payload of a `rejected_input` entry: the raw text and where the decoder stopped. */
export interface RejectedInputPayload {
  readonly raw: string;
  /** Dotted decoder path, e.g. `event.content.session_id` (empty for invalid JSON). */
  readonly path: string;
  /** One readable line, e.g. `event.content.session_id: expected string, got number`. */
  readonly message: string;
  /**
   * The raw text sealed with the store key, when `raw` had a secret redacted (for bytes
   * that are not UTF-8: `base64:` and their base64).
   */
  readonly raw_sealed?: string;
  /**
   * The reason code when it is more specific than `input.rejected` (`input.too_large`,
   * `input.duplicate_key`, …); absent in logs written before such codes existed.
   */
  readonly code?: string;
  /** The input's exact bytes in base64, when they are not valid UTF-8 (`raw` then shows them decoded, with U+FFFD). */
  readonly raw_base64?: string;
  /** For an input over the size limit, which is not kept whole: its length in bytes… */
  readonly length?: number;
  /** …and the SHA-256 (hex) of all its bytes (`raw` holds only its first bytes). */
  readonly sha256?: string;
}

/**
 * Every entry kind and its payload: the envelopes as the caller gave them (secrets
 * sealed), the facts ingestion derives, and the ledger's own `ledger_created` and
 * `rejected_input`. Add a kind here and every slice that does not handle it fails to compile.
 */
export interface EntryPayloads extends FactPayloads {
  to_device: ToDeviceEnvelope;
  room_event: RoomEventEnvelope;
  keys_query: KeysQueryEnvelope;
  backup_version: BackupVersionEnvelope;
  user_action: UserActionEnvelope;
  /** Logged without its to-device events, which follow it as `to_device` entries. */
  sync: SyncEnvelope;
  track_users: TrackUsersEnvelope;
  keys_upload: KeysUploadEnvelope;
  missing_sessions: MissingSessionsEnvelope;
  keys_claim: KeysClaimEnvelope;
  encrypt_to_device: EncryptToDeviceEnvelope;
  to_device_sent: ToDeviceSentEnvelope;
  share_room_key: ShareRoomKeyEnvelope;
  encrypt_room_event: EncryptRoomEventEnvelope;
  discard_room_key: DiscardRoomKeyEnvelope;
  cross_signing: CrossSigningEnvelope;
  device_signing_upload: DeviceSigningUploadEnvelope;
  signature_upload: SignatureUploadEnvelope;
  send_room_message: SendRoomMessageEnvelope;
  room_message_sent: RoomMessageSentEnvelope;
  ledger_created: LedgerCreatedPayload;
  rejected_input: RejectedInputPayload;
}

/** The name of an entry kind. */
export type EntryKind = keyof EntryPayloads;

/** The entry of one kind, its payload typed: `EntryOf<'keys_query'>['payload']` is a `KeysQueryEnvelope`. */
export type EntryOf<K extends EntryKind> = LedgerEntry<K, EntryPayloads[K]>;

/** Any entry of a known kind: a union discriminated by `kind`, which reducers `switch` on. */
export type Entry = { [K in EntryKind]: EntryOf<K> }[EntryKind];

/**
 * The end of a `switch` over every entry kind: a kind left out is a compile error. At run
 * time it does nothing, so a kind this version does not know (a newer log) is ignored.
 */
export function ignoreUnknownKind(_entry: never): void {}
