/**
 * The state of the `verification` slice: every flow by its ID (to-device: the
 * `transaction_id`), with its pinned keys, its transcript and what we still owe the other
 * device (messages the outbound path makes, facts it derives with the SAS secret).
 */

/** Where a flow stands. */
export type FlowPhase = 'requested' | 'ready' | 'started' | 'accepted' | 'keys_exchanged' | 'mac' | 'done' | 'cancelled';

/** A key under verification, fixed by its public key when the flow started. */
export interface PinnedKey {
  /** `ed25519:<device ID>` or `ed25519:<master public key>`. */
  readonly keyId: string;
  readonly publicKey: string;
  readonly role: 'device' | 'master';
}

/** Something the flow owes: a message to send, or a fact only the SAS secret can give. */
export type Owed =
  | { readonly type: 'request'; readonly devices: readonly string[] }
  | { readonly type: 'ready' }
  | { readonly type: 'start'; readonly reciprocate?: true }
  | { readonly type: 'accept' }
  | { readonly type: 'key' }
  | { readonly type: 'sas' }
  | { readonly type: 'check_mac'; readonly mac: Readonly<Record<string, string>>; readonly keys: string }
  /**
   * Their `m.reciprocate.v1` start (the entry at `seq`): compare its secret with the one of
   * the QR code we showed; the outbound path holds both in memory (the log has neither).
   */
  | { readonly type: 'check_qr'; readonly seq: number }
  | { readonly type: 'mac' }
  | { readonly type: 'done' }
  /** After a done flow: a `signature_upload` of the verified key with our cross-signing key (self-signing for our devices, user-signing for another user's master key). */
  | { readonly type: 'sign'; readonly action: 'sign_device'; readonly deviceId: string }
  | { readonly type: 'sign'; readonly action: 'sign_user'; readonly userId: string }
  | { readonly type: 'cancel'; readonly wireCode: string; readonly reason: string; readonly devices: readonly string[] };

/** The SAS options of a start we sent or received, and the canonical JSON of its content (for the commitment). */
export interface StartRecord {
  readonly byUs: boolean;
  readonly canonical: string;
  readonly seq: number;
}

/** The options the accepting device chose. */
export interface AcceptRecord {
  readonly byUs: boolean;
  readonly keyAgreement: string;
  readonly hash: string;
  readonly macMethod: string;
  readonly sas: readonly string[];
  /** Their commitment (when they accepted), or null (ours: the outbound path makes it). */
  readonly commitment: string | null;
}

/** How a flow ended. */
export interface FlowOutcome {
  readonly result: 'done' | 'cancelled';
  /** The decision code, and for a cancellation the wire code (`m.key_mismatch`, …). */
  readonly code: string;
  readonly cancelCode: string | null;
  readonly reason: string;
  readonly byUs: boolean;
  readonly seq: number;
}

/** One verification flow. */
export interface Flow {
  id: string;
  transport: 'to_device' | 'in_room';
  /** In-room flows: the room, and the request event's ID (the flow's ID on the wire; null until our request is sent). */
  roomId: string | null;
  eventId: string | null;
  /** In-room flows we requested: our `room_message` request, whose response names the event ID. */
  requestId: string | null;
  weRequested: boolean;
  otherUserId: string;
  /** The device on the other side, once known (to-device requests to a whole user learn it from `ready`). */
  otherDeviceId: string | null;
  /** The devices our request went to (to-device). */
  asked: string[];
  theirMethods: string[];
  /** `receivedAt` of the request entry: the flow times out 10 minutes later. */
  requestedAt: number;
  phase: FlowPhase;
  start: StartRecord | null;
  accept: AcceptRecord | null;
  ourKey: string | null;
  theirKey: string | null;
  /** The SAS the user compares: emoji table indices and the three numbers. */
  sas: { emoji: number[]; decimals: number[]; seq: number } | null;
  /** The user said the SAS match (seq), or null. */
  confirmed: number | null;
  /** Their MACs, once checked: the key IDs they covered. */
  theirMac: { keyIds: string[]; seq: number } | null;
  ourMacSent: boolean;
  ourDoneSent: boolean;
  theirDone: boolean;
  /** We advertised showing a QR code (`m.qr_code.show.v1`, `m.reciprocate.v1`) in our request or ready. */
  qr: boolean;
  /**
   * The other device scanned the QR code we showed: `secretOk` once its secret was
   * compared (null while being checked); the user then confirms with `verification_confirm`.
   */
  reciprocated: { secretOk: boolean | null; seq: number } | null;
  /** We scanned their QR code and its keys matched the pinned ones (its mode, seq). */
  scanned: { mode: number; seq: number } | null;
  /** The keys fixed at the start, by public key. */
  pinned: PinnedKey[] | null;
  outcome: FlowOutcome | null;
  /** Entries of this flow (bounded), for `because` and `explain`. */
  seqs: number[];
  owed: Owed[];
}

/** A device or master key a finished flow verified, with the done decision's seq. */
export interface Verified {
  readonly publicKey: string;
  readonly seq: number;
  readonly flowId: string;
}

export interface VerificationState {
  flows: Record<string, Flow>;
  /** IDs of the flows not finished yet (at most {@link MAX_ACTIVE_FLOWS}). */
  active: string[];
  /** IDs of finished flows, oldest first (at most {@link MAX_FINISHED_FLOWS} kept). */
  finished: string[];
  /** IDs of the flows that owe something (the outbound path reads only these). */
  owing: string[];
  /** `<user> <device>` → the ed25519 key a flow verified. */
  devices: Record<string, Verified>;
  /** user → the master key a flow verified. */
  masters: Record<string, Verified>;
}

/** Flows running at once; a request beyond this is refused. */
export const MAX_ACTIVE_FLOWS = 16;
/** Finished flows kept in the state (the log keeps them all). */
export const MAX_FINISHED_FLOWS = 256;
/** Entries remembered per flow. */
export const MAX_FLOW_SEQS = 64;
/** MACs in one `m.key.verification.mac` we check at most. */
export const MAX_MACS = 16;
/** A flow times out this long after its request. */
export const FLOW_TIMEOUT_MS = 10 * 60_000;
/** A to-device request this far in the future is ignored. */
export const REQUEST_FUTURE_MS = 5 * 60_000;

export function initialVerification(): VerificationState {
  return { flows: {}, active: [], finished: [], owing: [], devices: {}, masters: {} };
}

/** `record[key]` only if it is the record's own entry. */
export function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
