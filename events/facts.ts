/**
 * Facts: entries the engine derives at ingestion, in the same atomic batch as the input
 * they come from, because they cannot be recomputed from the log later (an Olm ratchet
 * moves on; a Megolm key is a secret the log only holds sealed). Reducers judge facts;
 * they never decrypt.
 */
import type { OwnCrossSigningKeysPayload } from './cross-signing.js';
import type { DecodeFailure } from './decode.js';
import type { MegolmEncryptedPayload, MegolmSessionCreatedPayload, RoomKeySharedPayload } from './megolm-out.js';
import type { GossipSentPayload, SecretStoredPayload } from './gossip.js';
import type { RoomKeyRestoredPayload } from './secret-storage.js';
import type { QrSecretCheckedPayload, SasComputedPayload, SasMacCheckedPayload } from './verification-actions.js';
import type { FallbackKeyForgottenPayload, OlmEncryptedPayload, OlmSessionCreatedPayload, OutgoingRequestPayload } from './outbound.js';

/** What olm says about a room key (`m.room_key` or `m.forwarded_room_key` content) at ingestion. */
export interface RoomKeyFacts {
  /** The session ID of the key itself (what the key really is), or null if it did not import. */
  readonly session_id: string | null;
  /** The first message index the key can decrypt, or null if it did not import. */
  readonly first_known_index: number | null;
  /**
   * SHA-256 (hex) of the key exported at its first known index: a public commitment to its
   * ratchet, which says nothing about the key.
   */
  readonly commitment: string | null;
  /**
   * When a session with the same (room, sender key, session ID) was already stored with a
   * higher first index: this key advanced to that index, committed the same way. Equal
   * commitments mean the same ratchet; different ones, an unconnected key.
   */
  readonly advanced: { readonly index: number; readonly commitment: string } | null;
  /** Why the key did not import, if it did not. */
  readonly error: string | null;
  /** The vault record holding the key, sealed with the store key. */
  readonly vault_key: string;
}

/** Payload of an `olm_decrypted` fact: a to-device event we decrypted with our Olm account. */
export interface OlmDecryptedPayload {
  /** The `to_device` entry this was decrypted from. */
  readonly input_seq: number;
  /** The event's outer `sender` (as the server said). */
  readonly sender: string;
  /** The Curve25519 key of the Olm session that decrypted it: the authenticated sender key. */
  readonly sender_key: string;
  readonly olm_session_id: string;
  /** 0: a pre-key message; 1: a normal message. */
  readonly message_type: 0 | 1;
  /** True when this pre-key message created a new inbound Olm session. */
  readonly new_session: boolean;
  /** SHA-256 (hex) of the ciphertext body, to recognise a replayed message. */
  readonly ciphertext_hash: string;
  /**
   * The decrypted payload with secret fields replaced by `"[sealed]"`, or null when it is
   * not a valid Olm payload (then `plaintext_error` says why).
   */
  readonly plaintext: OlmPlaintextView | null;
  readonly plaintext_error: OlmPlaintextFailure | null;
  /** The full plaintext, sealed with the store key (null when the ledger has none: then no secret is logged). */
  readonly sealed_plaintext: string | null;
  /** Present when the payload is an `m.room_key` or `m.forwarded_room_key` whose content decoded. */
  readonly room_key: RoomKeyFacts | null;
}

/**
 * Why a decrypted Olm plaintext was not taken: where and what, and for a plaintext refused
 * before it was decoded, which bound it broke (absent when it is not JSON or not a payload).
 */
export interface OlmPlaintextFailure extends DecodeFailure {
  readonly reason?: 'too_deep' | 'duplicate_key' | 'integer_out_of_range';
}

/** An Olm plaintext payload as logged: the spec's fields, secrets sealed. */
export interface OlmPlaintextView {
  readonly type: string;
  readonly content: Readonly<Record<string, unknown>>;
  readonly sender: string;
  readonly recipient: string;
  readonly recipient_keys: { readonly ed25519: string };
  readonly keys: { readonly ed25519: string };
  readonly sender_device_keys?: unknown;
  readonly [extra: string]: unknown;
}

/** Why an Olm message could not be decrypted. */
export type OlmFailure =
  /** The ciphertext has no entry for our Curve25519 key. */
  | 'not_for_us'
  /** A normal message, and no session with the sender key decrypts it. */
  | 'no_session'
  /** olm refused the message (bad MAC, bad format, unknown one-time key). */
  | 'bad_message'
  /** The very same ciphertext arrived before. */
  | 'replayed';

/** Payload of an `olm_undecryptable` fact. */
export interface OlmUndecryptablePayload {
  readonly input_seq: number;
  readonly sender: string;
  readonly sender_key: string;
  readonly reason: OlmFailure;
  readonly detail: string;
  readonly ciphertext_hash: string | null;
}

/** Payload of a `megolm_decrypted` fact: a room event decrypted with a logged session. */
export interface MegolmDecryptedPayload {
  /** The `room_event` entry. */
  readonly input_seq: number;
  readonly room_id: string;
  readonly event_id: string;
  readonly sender: string;
  readonly origin_server_ts: number;
  /** The session used, by its key in the megolm slice. */
  readonly sender_key: string;
  readonly session_id: string;
  readonly message_index: number;
  /** The fact whose key decrypted it. */
  readonly key_seq: number;
  /** The decrypted event's `type` and `room_id` (the plaintext itself is never logged). */
  readonly plaintext_type: string | null;
  readonly plaintext_room_id: string | null;
  /**
   * Only for a verification event (`m.key.verification.*`, or an `m.room.message` with
   * msgtype `m.key.verification.request`): its decrypted content, which the verification
   * slice folds as it folds a clear one. Nothing in it is secret (unencrypted rooms carry
   * the same events in the clear); every other plaintext stays out of the log.
   */
  readonly verification?: VerificationPlaintext;
}

/** The decrypted type and content of a verification room event (see `MegolmDecryptedPayload.verification`). */
export interface VerificationPlaintext {
  readonly type: string;
  readonly content: Readonly<Record<string, unknown>>;
}

/** Canonical JSON length beyond which a decrypted verification event's content is not kept (it is then not folded). */
export const MAX_VERIFICATION_PLAINTEXT = 8192;

/** Whether a decrypted room event is a verification event whose content the log keeps. */
export function isVerificationPlaintext(type: unknown, content: unknown): content is Record<string, unknown> {
  if (typeof type !== 'string' || content === null || typeof content !== 'object' || Array.isArray(content)) return false;
  if (type.startsWith('m.key.verification.')) return true;
  return type === 'm.room.message' && (content as { msgtype?: unknown }).msgtype === 'm.key.verification.request';
}

/** Why a Megolm room event could not be decrypted, as far as ingestion can tell. */
export type MegolmFailure =
  /** No accepted session for (room, session ID). */
  | 'no_session'
  /** The session's first known index is above the message index. */
  | 'unknown_index'
  /** olm refused the ciphertext. */
  | 'bad_ciphertext'
  /** The plaintext is not a JSON event. */
  | 'bad_plaintext';

/** Payload of a `megolm_undecryptable` fact. */
export interface MegolmUndecryptablePayload {
  readonly input_seq: number;
  readonly room_id: string;
  readonly event_id: string;
  readonly sender: string;
  readonly origin_server_ts: number;
  readonly session_id: string;
  /** The sender key the session was looked up with, when the content gave one. */
  readonly sender_key: string | null;
  readonly reason: MegolmFailure;
  /** The message index, when olm could read it from the ciphertext. */
  readonly message_index: number | null;
  readonly detail: string;
}

/** Fact kinds and their payloads. */
export interface FactPayloads {
  olm_decrypted: OlmDecryptedPayload;
  olm_undecryptable: OlmUndecryptablePayload;
  megolm_decrypted: MegolmDecryptedPayload;
  megolm_undecryptable: MegolmUndecryptablePayload;
  outgoing_request: OutgoingRequestPayload;
  olm_session_created: OlmSessionCreatedPayload;
  olm_encrypted: OlmEncryptedPayload;
  fallback_key_forgotten: FallbackKeyForgottenPayload;
  megolm_session_created: MegolmSessionCreatedPayload;
  room_key_shared: RoomKeySharedPayload;
  megolm_encrypted: MegolmEncryptedPayload;
  gossip_sent: GossipSentPayload;
  /** A secret from a trusted source, sealed in the vault under `secret/<name>`. */
  secret_stored: SecretStoredPayload;
  /** One session restored from a backup or imported from a key export file. */
  room_key_restored: RoomKeyRestoredPayload;
  sas_computed: SasComputedPayload;
  sas_mac_checked: SasMacCheckedPayload;
  qr_secret_checked: QrSecretCheckedPayload;
  own_cross_signing_keys: OwnCrossSigningKeysPayload;
}
