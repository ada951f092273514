import { emptyHashedMap, type HashedMap } from '../hashmap.js';
import type { AskedDevice } from './own-devices.js';

/**
 * An answer the outbound path owes a device: decided by the slice when the request came,
 * sent (and removed) once a `gossip_sent` fact says so.
 */
export type AnswerDue =
  | { what: 'forwarded_room_key'; userId: string; deviceId: string; requestId: string; seq: number; roomId: string; senderKey: string; sessionId: string }
  | { what: 'room_key_withheld'; userId: string; deviceId: string; requestId: string; seq: number; roomId: string; senderKey: string | null; sessionId: string; withheld: 'm.unverified' | 'm.unavailable' }
  | { what: 'secret_send'; userId: string; deviceId: string; requestId: string; seq: number; name: string };

/** Our `m.secret.request`, by request ID. */
export interface SecretRequestRecord {
  name: string;
  seq: number;
  /** The devices it went to: only they may answer it. */
  asked: AskedDevice[];
  /** The accepted `m.secret.send`, and the device it came from. */
  fulfilledSeq: number | null;
  answeredBy: string | null;
  /** The `gossip_sent` fact of its `request_cancellation`, once sent. */
  cancelledSeq: number | null;
}

/** A secret we hold (in the vault under `secret/<name>`), as the last `secret_stored` fact says. */
export interface StoredSecret {
  seq: number;
  source: string;
  publicKey: string | null;
}

export interface GossipState {
  /** Key: `${userId} ${deviceId} ${requestId}` → the answer we owe. */
  answersDue: HashedMap<AnswerDue>;
  /** Key: request ID → our secret request. */
  secretRequests: HashedMap<SecretRequestRecord>;
  /** Key: request ID → the accepted `m.secret.send` (its `olm_decrypted` seq) whose secret is to be sealed in the vault. */
  secretsToStore: HashedMap<{ name: string; seq: number }>;
  /** Key: request ID of an answered secret request whose cancellation is not sent yet → 1. */
  cancellationsDue: HashedMap<1>;
  /** Key: secret name → where we hold it. */
  stored: HashedMap<StoredSecret>;
}

export function initialGossip(): GossipState {
  return { answersDue: emptyHashedMap(), secretRequests: emptyHashedMap(), secretsToStore: emptyHashedMap(), cancellationsDue: emptyHashedMap(), stored: emptyHashedMap() };
}

/**
 * At most this many answers are owed at once: a request costs its sender nothing, and a
 * device we answer with a withheld notice may be one the server made up.
 */
export const MAX_ANSWERS_DUE = 256;

/** The key of an incoming request: the spec pairs `request_id` with `requesting_device_id`. */
export function incomingKey(userId: string, deviceId: string, requestId: string): string {
  return `${userId} ${deviceId} ${requestId}`;
}
