/**
 * The state of the `olm` slice: which Olm ciphertexts were decrypted (to refuse a replay),
 * and the verdict on every Olm-decrypted payload, which later slices read before taking
 * anything from a payload.
 */
import { emptyHashedMap, type HashedMap } from '../hashmap.js';
import type { OlmCode } from './codes.js';

/**
 * The device an Olm payload came from, as far as it is established: by `/keys/query`
 * (the identities slice owns the Curve25519 key) or only by the payload's own
 * self-signed `sender_device_keys`.
 */
export interface OlmSenderDevice {
  userId: string;
  deviceId: string;
  ed25519: string;
  via: 'keys_query' | 'sender_device_keys';
  /** The entry that made the device known (the keys_query, or the fact itself). */
  seq: number;
}

/** What the olm slice decided about one `olm_decrypted` fact. */
export interface OlmVerdict {
  /** The `to_device` entry the fact was decrypted from. */
  inputSeq: number;
  /** True when the payload passed every check and may be used; false when it was discarded. */
  ok: boolean;
  /** The decision's code: `olm.payload_accepted` / `olm.sender_unverified` when ok, else why it was discarded. */
  code: OlmCode;
  /** The payload's `type`, when there is a payload. */
  type: string | null;
  /** The outer sender and the Olm session's (authenticated) Curve25519 key. */
  sender: string;
  senderKey: string;
  device: OlmSenderDevice | null;
}

export interface OlmState {
  /** SHA-256 of an Olm ciphertext body → seq of the fact that first decrypted it. */
  seenCiphertexts: HashedMap<number>;
  /** Seq of an `olm_decrypted` fact (decimal) → its verdict. */
  verdicts: HashedMap<OlmVerdict>;
}

export function initialOlm(): OlmState {
  return { seenCiphertexts: emptyHashedMap(), verdicts: emptyHashedMap() };
}
