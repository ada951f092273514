import type Olm from '@matrix-org/olm';
import type { BatchOp } from '../log/store.js';
import type { Vault } from '../crypto/vault.js';
import type { OwnAccount } from '../account.js';
import { olmError } from './room-keys.js';

const PICKLE_KEY = 'keyledger-olm-session';
const PREFIX = 'olm!';

/** A successful Olm decryption. */
export interface OlmDecryption {
  plaintext: string;
  sessionId: string;
  newSession: boolean;
  /** Vault writes that must go in the same batch (the session, and the account when a one-time key was used). */
  ops: BatchOp[];
}

/**
 * Our inbound Olm sessions, by sender Curve25519 key: loaded from the vault at open, kept
 * alive, and written back (pickled, sealed) in the batch of the message that moved them.
 */
export class OlmSessions {
  private readonly bySender = new Map<string, Olm.Session[]>();

  private constructor(
    private readonly olm: typeof Olm,
    private readonly account: OwnAccount,
    private readonly vault: Vault,
  ) {}

  static async load(olm: typeof Olm, account: OwnAccount, vault: Vault): Promise<OlmSessions> {
    const sessions = new OlmSessions(olm, account, vault);
    for (const [key, pickle] of await vault.entries(PREFIX)) {
      const senderKey = key.slice(PREFIX.length, key.lastIndexOf('!'));
      const session = new olm.Session();
      session.unpickle(PICKLE_KEY, pickle);
      sessions.list(senderKey).push(session);
    }
    return sessions;
  }

  /**
   * Decrypts one Olm message from `senderKey`. A pre-key message that no session matches
   * creates an inbound session and uses up our one-time key; a normal message is tried on
   * every session with that sender. Throws with olm's error name when nothing decrypts it.
   */
  decrypt(senderKey: string, type: 0 | 1, body: string): OlmDecryption {
    const sessions = this.list(senderKey);
    if (type === 0) {
      for (const s of sessions) {
        if (s.matches_inbound_from(senderKey, body)) return this.done(senderKey, s, s.decrypt(0, body), false);
      }
      const session = new this.olm.Session();
      try {
        session.create_inbound_from(this.account.olmAccount, senderKey, body);
        const plaintext = session.decrypt(0, body);
        this.account.olmAccount.remove_one_time_keys(session);
        sessions.push(session);
        const result = this.done(senderKey, session, plaintext, true);
        result.ops.push(this.vault.putOp('account', this.account.pickle()));
        return result;
      } catch (err) {
        session.free();
        throw new Error(olmError(err));
      }
    }
    let lastError: unknown = new Error('OLM.NO_SESSION');
    for (const s of sessions) {
      try {
        return this.done(senderKey, s, s.decrypt(1, body), false);
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(sessions.length === 0 ? 'OLM.NO_SESSION' : olmError(lastError));
  }

  private done(senderKey: string, session: Olm.Session, plaintext: string, newSession: boolean): OlmDecryption {
    const sessionId = session.session_id();
    return { plaintext, sessionId, newSession, ops: [this.vault.putOp(`${PREFIX}${senderKey}!${sessionId}`, session.pickle(PICKLE_KEY))] };
  }

  private list(senderKey: string): Olm.Session[] {
    let list = this.bySender.get(senderKey);
    if (list === undefined) this.bySender.set(senderKey, (list = []));
    return list;
  }

  free(): void {
    for (const list of this.bySender.values()) for (const s of list) s.free();
    this.bySender.clear();
  }
}
