import { attempt, OlmFailure } from './failure.js';
import type { Olm } from './olm.js';

// The pickle sits inside the vault, which does the encryption at rest; olm's own pickle
// key only has to be stable.
const PICKLE_KEY = 'keyledger-olm-session';

/**
 * An Olm session with one device (libolm's Session), kept pickled in the vault between
 * runs. Whoever makes one frees it.
 */
export class OlmSession {
  private constructor(private readonly session: Olm.Session) {}

  /** Wraps a session the adapter made (the account makes inbound ones). */
  static wrap(session: Olm.Session): OlmSession {
    return new OlmSession(session);
  }

  /** A session as {@link pickle} left it. Throws olm's error for a pickle that does not read (the vault is damaged). */
  static unpickle(olm: typeof Olm, pickle: string): OlmSession {
    const session = new olm.Session();
    try {
      session.unpickle(PICKLE_KEY, pickle);
    } catch (err) {
      session.free();
      throw err;
    }
    return new OlmSession(session);
  }

  /** Whether a pre-key message from `senderKey` belongs to this session. */
  matchesInbound(senderKey: string, body: string): boolean | OlmFailure {
    return attempt(() => this.session.matches_inbound_from(senderKey, body));
  }

  /** Decrypts one message (`type` 0: pre-key, 1: normal); a failure leaves the session as it was. */
  decrypt(type: number, body: string): string | OlmFailure {
    return attempt(() => this.session.decrypt(type, body));
  }

  /** Encrypts one message: `type` 0 (pre-key) until the peer has answered, then 1. */
  encrypt(plaintext: string): { type: 0 | 1; body: string } {
    const m = this.session.encrypt(plaintext) as { type: 0 | 1; body: string };
    return { type: m.type, body: m.body };
  }

  sessionId(): string {
    return this.session.session_id();
  }

  pickle(): string {
    return this.session.pickle(PICKLE_KEY);
  }

  free(): void {
    this.session.free();
  }
}
