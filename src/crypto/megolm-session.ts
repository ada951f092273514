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
