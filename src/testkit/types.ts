/**
 * Plain wire shapes the testkit produces. They are deliberately loose, mutable JSON
 * types (not the engine's io-ts codecs) so a test can tamper with anything it returns.
 * Each is assignable both ways with its engine counterpart: what a ledger returns
 * (`ledger.deviceKeys()`, `publishKeys()`) goes into the testkit, and what the testkit
 * makes goes into `ledger.ingest`, without casts (test/src/testkit/engine-types.test.ts).
 */

/** `signatures` of a signed JSON object: user id → key id → unpadded base64 signature. */
export type Signatures = Record<string, Record<string, string>>;

/** Anything that can produce an unpadded base64 ed25519 signature (olm Account, PkSigning). */
export interface Signer {
  sign(message: string): string;
}

/** A signed device keys object (spec: api/definitions/device_keys.yaml). */
export interface DeviceKeys {
  user_id: string;
  device_id: string;
  algorithms: string[];
  keys: Record<string, string>;
  signatures?: Signatures;
  unsigned?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** A cross-signing key object (spec: api/definitions/cross_signing_key.yaml). */
export interface CrossSigningKey {
  user_id: string;
  usage: string[];
  keys: Record<string, string>;
  signatures?: Signatures;
  [extra: string]: unknown;
}

/** A `signed_curve25519` one-time or fallback key (spec: api/definitions/one_time_keys.yaml). */
export interface SignedCurve25519Key {
  key: string;
  fallback?: boolean;
  signatures: Signatures;
  [extra: string]: unknown;
}

/** Who an Olm message goes to: the recipient's identity, and a claimed one-time key when no session exists yet. */
export interface OlmRecipient {
  userId: string;
  deviceId: string;
  curve25519: string;
  ed25519: string;
  /** A one-time (or fallback) curve25519 key claimed from the recipient; needed only to start a session. */
  oneTimeKey?: string;
}

/** The plaintext of an Olm-encrypted event (spec: api/definitions/olm_plaintext.yaml). */
export interface OlmPayload {
  type: string;
  content: Record<string, unknown>;
  sender: string;
  recipient: string;
  recipient_keys: { ed25519: string };
  keys: { ed25519: string };
  sender_device_keys?: DeviceKeys;
  [extra: string]: unknown;
}

/** An `m.room.encrypted` to-device event carrying Olm ciphertext. */
export interface OlmToDeviceEvent {
  type: 'm.room.encrypted';
  sender: string;
  content: {
    algorithm: string;
    sender_key: string;
    ciphertext: Record<string, { type: number; body: string }>;
    [extra: string]: unknown;
  };
}

/** `m.room_key` content (spec: event-schemas/schema/m.room_key.yaml). */
export interface RoomKeyContent {
  algorithm: string;
  room_id: string;
  session_id: string;
  session_key: string;
  [extra: string]: unknown;
}

/** `m.forwarded_room_key` content (spec: event-schemas/schema/m.forwarded_room_key.yaml). */
export interface ForwardedRoomKeyContent extends RoomKeyContent {
  sender_key: string;
  sender_claimed_ed25519_key: string;
  forwarding_curve25519_key_chain: string[];
}

/** A Megolm-encrypted `m.room.encrypted` room timeline event. */
export interface MegolmRoomEvent {
  event_id: string;
  sender: string;
  origin_server_ts: number;
  type: 'm.room.encrypted';
  room_id: string;
  content: {
    algorithm: string;
    sender_key: string;
    device_id: string;
    session_id: string;
    ciphertext: string;
    [extra: string]: unknown;
  };
  [extra: string]: unknown;
}

/** A `/keys/query` response body (spec: api/keys.yaml). */
export interface KeysQueryResponse {
  device_keys: Record<string, Record<string, DeviceKeys>>;
  master_keys: Record<string, CrossSigningKey>;
  self_signing_keys: Record<string, CrossSigningKey>;
  user_signing_keys: Record<string, CrossSigningKey>;
  /** Server name → error object (e.g. `{}` or `{ errcode }`), as the spec's response has it. */
  failures: Record<string, Record<string, unknown>>;
}
