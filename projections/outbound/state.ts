/**
 * The state of the `outbound` slice: the users whose device lists we track, the requests
 * the engine made that wait for their response, and what the server last told us about
 * our one-time and fallback keys.
 */
import type { KeysClaimRequestBody, KeysQueryRequestBody, KeysUploadRequestBody, ToDeviceRequestBody } from '../../events/outbound.js';
import type { DeviceSigningUploadBody, RoomMessageBody, SignatureUploadBody } from '../../events/cross-signing.js';
import type { ShareStrategy } from '../../events/megolm-out.js';
import { emptyHashedMap, type HashedMap } from '../hashmap.js';
import type { ShareCode } from './share-codes.js';

/** A tracked user's device list. */
export interface TrackedUser {
  /** Outdated: a `/keys/query` must fetch it. */
  outdated: boolean;
  /** The entry that started tracking or last marked it outdated. */
  seq: number;
  /** The pending keys_query request fetching it, or null. */
  querying: string | null;
}

/** A request made and not answered yet; `seq` is its `outgoing_request` fact. */
export type PendingRequest =
  | { id: string; seq: number; type: 'keys_query'; body: KeysQueryRequestBody }
  | { id: string; seq: number; type: 'keys_upload'; body: KeysUploadRequestBody }
  | { id: string; seq: number; type: 'keys_claim'; body: KeysClaimRequestBody }
  | { id: string; seq: number; type: 'to_device'; event_type: string; txn_id: string; body: ToDeviceRequestBody }
  | { id: string; seq: number; type: 'device_signing_upload'; body: DeviceSigningUploadBody }
  | { id: string; seq: number; type: 'signature_upload'; body: SignatureUploadBody }
  | { id: string; seq: number; type: 'room_message'; room_id: string; event_type: string; txn_id: string; body: RoomMessageBody };

/** A claimed one-time key the rules accepted, waiting for its outbound Olm session. */
export interface AcceptedClaim {
  userId: string;
  deviceId: string;
  curve25519: string;
  oneTimeKey: string;
  /** The keys_claim response that carried it. */
  seq: number;
}

/** A device a room key is for. */
export interface KeyRecipient {
  userId: string;
  deviceId: string;
  curve25519: string;
  ed25519: string;
}

/** The spec's defaults when `m.room.encryption` names none: a week, 100 messages. */
export const DEFAULT_ROTATION_PERIOD_MS = 604_800_000;
export const DEFAULT_ROTATION_PERIOD_MSGS = 100;

/** Our outbound Megolm session in a room, and what sharing it still has to do. */
export interface OutboundRoom {
  strategy: ShareStrategy;
  rotationPeriodMs: number;
  rotationPeriodMsgs: number;
  /** The current session (its key in the vault), or null: none yet, or discarded. */
  session: {
    sessionId: string;
    /** The `megolm_session_created` fact, and its receivedAt. */
    seq: number;
    createdAt: number;
    /** Events encrypted with it. */
    messages: number;
    /** `${userId} ${deviceId}` → the device it went to, the index it was shared at, and the fact that says so. */
    sharedWith: Record<string, { userId: string; deviceId: string; curve25519: string; index: number; seq: number }>;
    /** `${userId} ${deviceId}` → the withheld code sent for it. */
    withheldSent: Record<string, string>;
  } | null;
  /** Why the next share makes a new session (null: none is due, unless there is no session). */
  rotate: { code: ShareCode; seq: number } | null;
  /** Devices the rules gave the key and that share an Olm session with us: sent with this share. */
  toShare: KeyRecipient[];
  /** Devices the rules gave the key that wait for an Olm session (a keys_claim is out for them). */
  awaiting: KeyRecipient[];
  /** Devices to tell, with `m.room_key.withheld`, that they get no key, and the withheld code. */
  toWithhold: { userId: string; deviceId: string; code: string }[];
}

export interface OutboundState {
  tracked: HashedMap<TrackedUser>;
  /** In the order they were made. */
  pending: PendingRequest[];
  /** The server's count of our `signed_curve25519` one-time keys, as last told (null: never told). */
  oneTimeKeys: { count: number; seq: number } | null;
  /** `device_unused_fallback_key_types` as last told (null: never told, the server may not support it). */
  unusedFallbackTypes: { types: string[]; seq: number } | null;
  /** True once a keys_upload request carrying our device keys was answered. */
  deviceKeysUploaded: boolean;
  /** Curve25519 keys we share an Olm session with (either way) → the entry that made the newest. */
  sessions: HashedMap<{ seq: number }>;
  /** Accepted claimed keys whose session is not made yet (made in the same batch). */
  claims: AcceptedClaim[];
  /** Devices (by Curve25519 key) whose Olm session is wedged: a new one is to be made, and an m.dummy sent over it. */
  wedged: HashedMap<{ userId: string; deviceId: string; seq: number }>;
  /** When we last made an outbound session with a device (ms, the entry's receivedAt), for the one-per-hour limit. */
  created: HashedMap<{ at: number; seq: number }>;
  /**
   * Our fallback keys, as the log knows them: whether a keys_upload request carried one,
   * and the one before the current while we still hold its private half (replaced at
   * `since`, ms, by the request logged at `seq`).
   */
  fallback: { made: boolean; old: { since: number; seq: number } | null };
  /** Our outbound Megolm session and its sharing, by room ID. */
  rooms: HashedMap<OutboundRoom>;
  /**
   * Devices (by Curve25519 key) told `m.no_olm`: the decision's entry, and the seq of our
   * newest Olm session with the device then (null: none). Told again only once a session
   * was made since (its seq in `sessions` differs).
   */
  noOlm: HashedMap<{ seq: number; sessionSeq: number | null }>;
}

export function initialOutbound(): OutboundState {
  return {
    tracked: emptyHashedMap(), pending: [], oneTimeKeys: null, unusedFallbackTypes: null, deviceKeysUploaded: false, sessions: emptyHashedMap(),
    claims: [], wedged: emptyHashedMap(), created: emptyHashedMap(), fallback: { made: false, old: null }, rooms: emptyHashedMap(),
    noOlm: emptyHashedMap(),
  };
}
