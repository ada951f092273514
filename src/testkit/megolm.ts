import type { Olm } from '../crypto/olm.js';
import { loadOlm } from '../crypto/olm.js';
import type { ForwardedRoomKeyContent, MegolmRoomEvent, RoomKeyContent } from './types.js';

const MEGOLM = 'm.megolm.v1.aes-sha2';

/** Arbitrary fixed epoch for default timestamps, so runs are reproducible. */
const BASE_TS = 1_700_000_000_000;

/** The sending device as a Megolm event needs it (kept minimal to avoid a cycle with SimDevice). */
export interface MegolmSender {
  userId: string;
  deviceId: string;
  curve25519: string;
  ed25519: string;
}

/** Options for {@link SimOutboundGroupSession.encrypt}. */
export interface MegolmEncryptOptions {
  /** Default: derived from the session id and message index, so it is stable and unique. */
  eventId?: string;
  /** Default: a fixed epoch plus one second per message index. */
  originServerTs?: number;
  /** Outer `room_id` and `sender` (defaults: the session's room and device user); forge to test mismatch checks. */
  roomId?: string;
  sender?: string;
  /** Fields set in the plaintext `{type, content, room_id}` after the defaults; `undefined` deletes. */
  plaintext?: Record<string, unknown>;
}

/**
 * A Megolm outbound session of a {@link SimDevice}: produces `m.room_key` content and real
 * `m.room.encrypted` timeline events. Each `encrypt` advances the ratchet by one index.
 */
export class SimOutboundGroupSession {
  /** The session key at index 0, kept so any later index can be exported for forwarding. */
  readonly initialSessionKey: string;
  readonly sessionId: string;

  private constructor(
    private readonly session: Olm.OutboundGroupSession,
    private readonly sender: MegolmSender,
    readonly roomId: string,
  ) {
    this.sessionId = session.session_id();
    this.initialSessionKey = session.session_key();
  }

  /** Use {@link SimDevice.createOutboundSession}, which also frees it with the device. */
  static create(olm: typeof Olm, sender: MegolmSender, roomId: string): SimOutboundGroupSession {
    const session = new olm.OutboundGroupSession();
    session.create();
    return new SimOutboundGroupSession(session, sender, roomId);
  }

  /** The session key at the current message index (the `m.room_key` format, signed by the session). */
  get sessionKey(): string {
    return this.session.session_key();
  }

  /** The index the next encrypted message will have. */
  get messageIndex(): number {
    return this.session.message_index();
  }

  /** `m.room_key` content for the current index; send it over Olm with {@link SimDevice.encryptToDevice}. */
  roomKeyContent(): RoomKeyContent {
    return { algorithm: MEGOLM, room_id: this.roomId, session_id: this.sessionId, session_key: this.sessionKey };
  }

  /** Encrypts `{type, content, room_id}` and wraps it as a full room timeline event. */
  encrypt(eventType: string, content: Record<string, unknown>, opts: MegolmEncryptOptions = {}): MegolmRoomEvent {
    const index = this.messageIndex;
    const plaintext: Record<string, unknown> = { type: eventType, content, room_id: this.roomId };
    for (const [field, value] of Object.entries(opts.plaintext ?? {})) {
      if (value === undefined) delete plaintext[field];
      else plaintext[field] = value;
    }
    const ciphertext = this.session.encrypt(JSON.stringify(plaintext));
    return {
      event_id: opts.eventId ?? `$${this.sessionId.replace(/[+/]/g, '_').slice(0, 12)}_${index}`,
      sender: opts.sender ?? this.sender.userId,
      origin_server_ts: opts.originServerTs ?? BASE_TS + index * 1000,
      type: 'm.room.encrypted',
      room_id: opts.roomId ?? this.roomId,
      content: {
        algorithm: MEGOLM,
        sender_key: this.sender.curve25519,
        device_id: this.sender.deviceId,
        session_id: this.sessionId,
        ciphertext,
      },
    };
  }

  /** The session exported at `index` (the export format that `m.forwarded_room_key` and backups carry). */
  exportAt(index: number): Promise<string> {
    return exportSessionAt(this.initialSessionKey, index);
  }

  /** `m.forwarded_room_key` content for this session from `index`, as if forwarded along `chain`. */
  async forwardedRoomKeyContent(index: number, chain: string[] = []): Promise<ForwardedRoomKeyContent> {
    return forwardedRoomKeyContent({
      roomId: this.roomId,
      sessionId: this.sessionId,
      sessionKey: await this.exportAt(index),
      senderKey: this.sender.curve25519,
      senderClaimedEd25519Key: this.sender.ed25519,
      forwardingChain: chain,
    });
  }

  /**
   * Frees the olm session. The device that made it frees it too (SimDevice.free), so this
   * is idempotent: freeing an olm object twice corrupts libolm's heap for the whole process.
   */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.session.free();
  }

  private freed = false;
}

/**
 * Exports a Megolm session at `index`, as a device that holds it would when forwarding it.
 * `sessionKey` may be either format: an `m.room_key` session key (version byte 2) or an
 * exported key (version byte 1). Throws if `index` is below the key's first known index.
 */
export async function exportSessionAt(sessionKey: string, index: number): Promise<string> {
  const olm = await loadOlm();
  const inbound = new olm.InboundGroupSession();
  try {
    if (Buffer.from(sessionKey, 'base64')[0] === 1) inbound.import_session(sessionKey);
    else inbound.create(sessionKey);
    return inbound.export_session(index);
  } finally {
    inbound.free();
  }
}

/** The fields of an `m.forwarded_room_key` content, camel-cased. */
export interface ForwardedRoomKeyFields {
  roomId: string;
  sessionId: string;
  /** An exported session key (see {@link exportSessionAt}). */
  sessionKey: string;
  /** curve25519 key of the device that created the session. */
  senderKey: string;
  /** ed25519 key of the device that created the session, as claimed by the forwarder. */
  senderClaimedEd25519Key: string;
  /** curve25519 keys of earlier forwarders (empty when forwarded directly by a first holder). */
  forwardingChain?: string[];
  algorithm?: string;
}

/** Builds `m.forwarded_room_key` content (plain JSON; encrypt it with {@link SimDevice.encryptToDevice}). */
export function forwardedRoomKeyContent(f: ForwardedRoomKeyFields): ForwardedRoomKeyContent {
  return {
    algorithm: f.algorithm ?? MEGOLM,
    room_id: f.roomId,
    sender_key: f.senderKey,
    session_id: f.sessionId,
    session_key: f.sessionKey,
    sender_claimed_ed25519_key: f.senderClaimedEd25519Key,
    forwarding_curve25519_key_chain: f.forwardingChain ?? [],
  };
}
