import { attempt, OlmFailure } from './failure.js';
import type { Olm } from './olm.js';

/** A Megolm message decrypted: the event's JSON text and the index it was sent at. */
export interface MegolmPlaintext {
  plaintext: string;
  messageIndex: number;
}

/**
 * An inbound Megolm session (libolm's InboundGroupSession): a room key, able to decrypt
 * from its first known index on. Whoever makes one frees it.
 */
export class InboundMegolmSession {
  private constructor(private readonly session: Olm.InboundGroupSession) {}

  /**
   * Imports a room key: `shared` is the `session_key` of an `m.room_key` (the
   * session-sharing format); `exported` is the format of forwarded, backed-up and
   * exported keys.
   */
  static import(olm: typeof Olm, key: string, format: 'shared' | 'exported'): InboundMegolmSession | OlmFailure {
    const session = new olm.InboundGroupSession();
    const done = attempt(() => (format === 'shared' ? session.create(key) : session.import_session(key)));
    if (done instanceof OlmFailure) {
      session.free();
      return done;
    }
    return new InboundMegolmSession(session);
  }

  // Reading the ID and the first index of a session that imported cannot fail in libolm.

  /** The session ID: the session's public ed25519 key. */
  sessionId(): string {
    return this.session.session_id();
  }

  /** The lowest message index this key decrypts. */
  firstKnownIndex(): number {
    return this.session.first_known_index();
  }

  /** The key at `index` (not below the first known one), in the export format: a secret. */
  exportAt(index: number): string | OlmFailure {
    return attempt(() => this.session.export_session(index));
  }

  /** Decrypts one Megolm message, advancing the session's ratchet as far as it needs. */
  decrypt(ciphertext: string): MegolmPlaintext | OlmFailure {
    const result = attempt(() => this.session.decrypt(ciphertext));
    return result instanceof OlmFailure ? result : { plaintext: result.plaintext, messageIndex: result.message_index };
  }

  free(): void {
    this.session.free();
  }
}

// The pickle sits inside the vault, which does the encryption at rest.
const OUTBOUND_PICKLE_KEY = 'keyledger-megolm-outbound';

/**
 * Our outbound Megolm session for a room (libolm's OutboundGroupSession): encrypts room
 * events, each at the next message index; its `sessionKey()` at the current index is the
 * `session_key` of the `m.room_key` we share. Whoever makes one frees it.
 */
export class OutboundMegolmSession {
  private constructor(private readonly session: Olm.OutboundGroupSession) {}

  /** A new session with fresh random keys. */
  static create(olm: typeof Olm): OutboundMegolmSession {
    const session = new olm.OutboundGroupSession();
    session.create();
    return new OutboundMegolmSession(session);
  }

  /** A session as {@link pickle} left it. Throws olm's error for a pickle that does not read (the vault is damaged). */
  static unpickle(olm: typeof Olm, pickle: string): OutboundMegolmSession {
    const session = new olm.OutboundGroupSession();
    try {
      session.unpickle(OUTBOUND_PICKLE_KEY, pickle);
    } catch (err) {
      session.free();
      throw err;
    }
    return new OutboundMegolmSession(session);
  }

  sessionId(): string {
    return this.session.session_id();
  }

  /** The index the next message is encrypted at. */
  messageIndex(): number {
    return this.session.message_index();
  }

  /** The key at the current index, in the session-sharing format (`m.room_key`'s `session_key`): a secret. */
  sessionKey(): string {
    return this.session.session_key();
  }

  /** Encrypts one event's JSON text, advancing the ratchet. */
  encrypt(plaintext: string): string {
    return this.session.encrypt(plaintext);
  }

  pickle(): string {
    return this.session.pickle(OUTBOUND_PICKLE_KEY);
  }

  free(): void {
    this.session.free();
  }
}

/**
 * Inbound sessions kept imported, by the seq of the fact that brought their key, the least
 * recently used freed past `max`: consecutive messages of a session advance one ratchet
 * instead of importing the key again. The ledger's main thread and its Megolm worker each
 * keep one.
 */
export class LiveMegolmSessions {
  private readonly sessions = new Map<number, InboundMegolmSession>();

  constructor(private readonly max: number) {}

  has(seq: number): boolean {
    return this.sessions.has(seq);
  }

  /** The session of `seq`, now the most recently used; undefined if none is kept. */
  get(seq: number): InboundMegolmSession | undefined {
    const found = this.sessions.get(seq);
    if (found !== undefined) {
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.sessions.delete(seq);
      this.sessions.set(seq, found);
    }
    return found;
  }

  /** Keeps `session` for `seq`, freeing the least recently used one past the bound. */
  add(seq: number, session: InboundMegolmSession): InboundMegolmSession {
    this.sessions.set(seq, session);
    if (this.sessions.size > this.max) {
      const [oldest, s] = this.sessions.entries().next().value as [number, InboundMegolmSession];
      s.free();
      this.sessions.delete(oldest);
    }
    return session;
  }

  /** Frees the sessions of seqs after `seq` (their keys were taken back). */
  dropAfter(seq: number): void {
    for (const [s, session] of [...this.sessions]) {
      if (s > seq) {
        session.free();
        this.sessions.delete(s);
      }
    }
  }

  free(): void {
    for (const s of this.sessions.values()) s.free();
    this.sessions.clear();
  }
}
