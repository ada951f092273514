/**
 * Facts of key and secret gossiping (`m.room_key_request`, `m.forwarded_room_key`,
 * `m.secret.request`, `m.secret.send`): what the outbound path sent for a request, and a
 * secret learned and sealed in the vault. Neither ever holds a key or a secret.
 */

/** What a `gossip_sent` fact says was sent. */
export type GossipSentWhat =
  /** Our `m.room_key_request` (`action: request`) to the devices we asked. */
  | 'room_key_request'
  /** Our `m.room_key_request` with `action: request_cancellation`, once a key was accepted. */
  | 'room_key_request_cancellation'
  /** An Olm-encrypted `m.forwarded_room_key` answering a device's request. */
  | 'forwarded_room_key'
  /** An `m.room_key.withheld` answering a request we refused. */
  | 'room_key_withheld'
  /** Our `m.secret.request` (`action: request`). */
  | 'secret_request'
  /** Our `m.secret.request` with `action: request_cancellation`, once a secret was accepted. */
  | 'secret_request_cancellation'
  /** An Olm-encrypted `m.secret.send` answering a device's request. */
  | 'secret_send';

/**
 * Payload of a `gossip_sent` fact: the outbound path made a `to_device` request for a
 * gossip request (ours, or one we answer). It closes what the slice had due.
 */
export interface GossipSentPayload {
  /** The input after which it was made. */
  readonly input_seq: number;
  readonly what: GossipSentWhat;
  readonly request_id: string;
  /** Whose devices it went to (ours, or the requester's). */
  readonly user_id: string;
  readonly device_ids: readonly string[];
  /** The `outgoing_request` fact's id that carries it. */
  readonly outgoing_id: string;
}

/** Where a secret we hold came from. */
export type SecretSource = 'secret_storage' | 'secret_send' | 'user';

/**
 * Payload of a `secret_stored` fact: a secret learned from a trusted source is sealed in
 * the vault under `secret/<name>`. Never the secret itself.
 */
export interface SecretStoredPayload {
  readonly name: string;
  readonly source: SecretSource;
  /**
   * For `m.megolm_backup.v1`, the curve25519 public key of the private key; for a
   * cross-signing key, its ed25519 public key; else null.
   */
  readonly public_key: string | null;
  /** The request it answered (source `secret_send`), else null. */
  readonly request_id: string | null;
}
