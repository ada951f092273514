import type { Olm } from '../crypto/olm.js';
import { loadOlm } from '../crypto/olm.js';
import { SimOutboundGroupSession } from './megolm.js';
import { signJson } from './signing.js';
import type { DeviceKeys, OlmPayload, OlmRecipient, OlmToDeviceEvent, SignedCurve25519Key } from './types.js';

/** The Olm and Megolm algorithm names a device advertises. */
export const OLM_ALGORITHM = 'm.olm.v1.curve25519-aes-sha2';
export const MEGOLM_ALGORITHM = 'm.megolm.v1.aes-sha2';

/** Knobs for {@link SimDevice.encryptToDevice}; attack tests use them to forge what an honest client would not. */
export interface EncryptToDeviceOptions {
  /** Fields set in the plaintext payload after the honest defaults; a value of `undefined` deletes the field. */
  plaintext?: Record<string, unknown>;
  /** Encrypt exactly this string instead of a JSON payload (e.g. invalid JSON). Wins over `plaintext`. */
  rawPlaintext?: string;
  /** Include `sender_device_keys` in the payload (default true, as spec v1.15 clients do). */
  senderDeviceKeys?: boolean;
  /** Outer event `sender` (default: this device's user). */
  sender?: string;
  /** Outer `content.sender_key` (default: this device's curve25519 key). Does not change the real Olm session. */
  senderKey?: string;
  /** Start a new Olm session even if one exists (needs `recipient.oneTimeKey`). */
  newSession?: boolean;
}

/** What {@link SimDevice.decryptToDevice} recovered. */
export interface DecryptedToDevice {
  /** The decrypted plaintext, exactly as the sender encrypted it. */
  plaintext: string;
  /** `plaintext` parsed (not validated: this is what a verifier must check). */
  payload: OlmPayload;
  /** The outer `content.sender_key`, which selected the session. */
  senderKey: string;
  /** 0 = pre-key message, 1 = normal message. */
  messageType: number;
  /** The Olm session that decrypted it. */
  sessionId: string;
}

/**
 * A simulated Matrix device backed by a real olm Account: it publishes signed device keys
 * and one-time keys, talks Olm to other devices (keeping its sessions), and sends Megolm.
 * Call {@link SimDevice.free} when done.
 */
export class SimDevice {
  /** Olm sessions by the peer's curve25519 key; the most recently used is last. */
  private readonly sessions = new Map<string, Olm.Session[]>();
  private readonly outbound: SimOutboundGroupSession[] = [];
  private readonly identity: { curve25519: string; ed25519: string };

  private constructor(
    private readonly olm: typeof Olm,
    private readonly account: Olm.Account,
    readonly userId: string,
    readonly deviceId: string,
  ) {
    this.identity = JSON.parse(account.identity_keys()) as { curve25519: string; ed25519: string };
  }

  /** Creates a device with a fresh olm Account. */
  static async create(userId: string, deviceId: string): Promise<SimDevice> {
    const olm = await loadOlm();
    const account = new olm.Account();
    account.create();
    return new SimDevice(olm, account, userId, deviceId);
  }

  /** The device's curve25519 identity key (unpadded base64). */
  get curve25519(): string {
    return this.identity.curve25519;
  }

  /** The device's ed25519 fingerprint key (unpadded base64). */
  get ed25519(): string {
    return this.identity.ed25519;
  }

  /** Signs a string with the device's ed25519 key (so a SimDevice is a {@link Signer}). */
  sign(message: string): string {
    return this.account.sign(message);
  }

  /** The device keys object, self-signed with `ed25519:<device_id>`. */
  deviceKeys(): DeviceKeys {
    const unsigned: DeviceKeys = {
      user_id: this.userId,
      device_id: this.deviceId,
      algorithms: [OLM_ALGORITHM, MEGOLM_ALGORITHM],
      keys: {
        [`curve25519:${this.deviceId}`]: this.curve25519,
        [`ed25519:${this.deviceId}`]: this.ed25519,
      },
    };
    return signJson(this, unsigned, this.userId, `ed25519:${this.deviceId}`);
  }

  /** Generates `n` one-time keys, signs them as `signed_curve25519` and marks them published. */
  oneTimeKeys(n: number): Record<string, SignedCurve25519Key> {
    this.account.generate_one_time_keys(n);
    const { curve25519 } = JSON.parse(this.account.one_time_keys()) as { curve25519: Record<string, string> };
    this.account.mark_keys_as_published();
    return this.signKeys(curve25519, false);
  }

  /** Generates a fallback key, signed as `signed_curve25519` with `fallback: true`, and marks it published. */
  fallbackKey(): Record<string, SignedCurve25519Key> {
    this.account.generate_fallback_key();
    const { curve25519 } = JSON.parse(this.account.unpublished_fallback_key()) as { curve25519: Record<string, string> };
    this.account.mark_keys_as_published();
    return this.signKeys(curve25519, true);
  }

  /** This device as an Olm recipient, without a one-time key (enough once a session exists). */
  asRecipient(): OlmRecipient {
    return { userId: this.userId, deviceId: this.deviceId, curve25519: this.curve25519, ed25519: this.ed25519 };
  }

  /** This device as an Olm recipient with a freshly published one-time key, as `/keys/claim` would return. */
  claimOneTimeKey(): OlmRecipient {
    const [signed] = Object.values(this.oneTimeKeys(1));
    return { ...this.asRecipient(), oneTimeKey: signed!.key };
  }

  /**
   * Olm-encrypts an event for one device and returns the `m.room.encrypted` to-device event.
   * The plaintext is the spec's payload (type, content, sender, recipient, recipient_keys,
   * keys, sender_device_keys) unless `opts` forges it. The first message to a device opens
   * an outbound session from `recipient.oneTimeKey` (a pre-key message); later messages reuse it.
   */
  encryptToDevice(recipient: OlmRecipient, type: string, content: Record<string, unknown>, opts: EncryptToDeviceOptions = {}): OlmToDeviceEvent {
    const session = this.sessionFor(recipient, opts.newSession ?? false);
    const plaintext = opts.rawPlaintext ?? JSON.stringify(this.payload(recipient, type, content, opts));
    const message = session.encrypt(plaintext);
    return {
      type: 'm.room.encrypted',
      sender: opts.sender ?? this.userId,
      content: {
        algorithm: OLM_ALGORITHM,
        sender_key: opts.senderKey ?? this.curve25519,
        ciphertext: { [recipient.curve25519]: { type: message.type, body: message.body } },
      },
    };
  }

  /**
   * Decrypts an Olm to-device event addressed to this device: a pre-key message may open a
   * new inbound session (consuming our one-time key); a normal message must match a session we hold.
   * Throws when it cannot decrypt. Does not validate the payload.
   */
  decryptToDevice(event: { content: { sender_key: string; ciphertext: Record<string, { type: number; body: string }> } }): DecryptedToDevice {
    const senderKey = event.content.sender_key;
    const mine = event.content.ciphertext[this.curve25519];
    if (!mine) throw new Error(`no ciphertext for ${this.userId}/${this.deviceId}`);
    const known = this.sessions.get(senderKey) ?? [];
    for (const session of [...known].reverse()) {
      if (mine.type === 0 && !session.matches_inbound_from(senderKey, mine.body)) continue;
      let plaintext: string;
      try {
        plaintext = session.decrypt(mine.type, mine.body);
      } catch {
        continue; // not this session; olm leaves its state unchanged on failure
      }
      this.touch(senderKey, session);
      return this.decrypted(plaintext, senderKey, mine.type, session);
    }
    if (mine.type !== 0) throw new Error(`no Olm session with ${senderKey} decrypts this message`);
    const session = new this.olm.Session();
    let plaintext: string;
    try {
      session.create_inbound_from(this.account, senderKey, mine.body);
      plaintext = session.decrypt(mine.type, mine.body);
    } catch (e) {
      session.free();
      throw e;
    }
    this.account.remove_one_time_keys(session);
    this.touch(senderKey, session);
    return this.decrypted(plaintext, senderKey, mine.type, session);
  }

  /** Starts a Megolm outbound session for a room; the device frees it in {@link SimDevice.free}. */
  createOutboundSession(roomId: string): SimOutboundGroupSession {
    const session = SimOutboundGroupSession.create(this.olm, this, roomId);
    this.outbound.push(session);
    return session;
  }

  /** Frees the account, Olm sessions and Megolm outbound sessions. */
  free(): void {
    for (const list of this.sessions.values()) for (const s of list) s.free();
    this.sessions.clear();
    for (const s of this.outbound) s.free();
    this.outbound.length = 0;
    this.account.free();
  }

  private signKeys(keys: Record<string, string>, fallback: boolean): Record<string, SignedCurve25519Key> {
    const out: Record<string, SignedCurve25519Key> = {};
    for (const [id, key] of Object.entries(keys)) {
      const body = fallback ? { key, fallback: true } : { key };
      out[`signed_curve25519:${id}`] = signJson(this, body, this.userId, `ed25519:${this.deviceId}`);
    }
    return out;
  }

  private payload(recipient: OlmRecipient, type: string, content: Record<string, unknown>, opts: EncryptToDeviceOptions): Record<string, unknown> {
    const payload: Record<string, unknown> = {
      type,
      content,
      sender: this.userId,
      recipient: recipient.userId,
      recipient_keys: { ed25519: recipient.ed25519 },
      keys: { ed25519: this.ed25519 },
    };
    if (opts.senderDeviceKeys ?? true) payload['sender_device_keys'] = this.deviceKeys();
    for (const [field, value] of Object.entries(opts.plaintext ?? {})) {
      if (value === undefined) delete payload[field];
      else payload[field] = value;
    }
    return payload;
  }

  private sessionFor(recipient: OlmRecipient, forceNew: boolean): Olm.Session {
    const existing = this.sessions.get(recipient.curve25519);
    if (existing?.length && !forceNew) return existing[existing.length - 1]!;
    if (!recipient.oneTimeKey) {
      throw new Error(`no Olm session with ${recipient.userId}/${recipient.deviceId} and no one-time key to start one`);
    }
    const session = new this.olm.Session();
    session.create_outbound(this.account, recipient.curve25519, recipient.oneTimeKey);
    this.touch(recipient.curve25519, session);
    return session;
  }

  /** Moves a session to the end of its peer's list: the spec says to use the one last used. */
  private touch(peerKey: string, session: Olm.Session): void {
    const list = (this.sessions.get(peerKey) ?? []).filter((s) => s !== session);
    list.push(session);
    this.sessions.set(peerKey, list);
  }

  private decrypted(plaintext: string, senderKey: string, messageType: number, session: Olm.Session): DecryptedToDevice {
    return { plaintext, payload: JSON.parse(plaintext) as OlmPayload, senderKey, messageType, sessionId: session.session_id() };
  }
}
