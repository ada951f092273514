import type { OwnAccount } from '../crypto/account.js';
import { OlmFailure } from '../crypto/failure.js';
import type { Olm } from '../crypto/olm.js';
import { OlmSession } from '../crypto/olm-session.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';

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
  private readonly bySender = new Map<string, OlmSession[]>();
  /** Outbound sessions made for inputs not written yet, by the input's seq: dropped if their batch fails. */
  private unsettled: { seq: number; theirKey: string; session: OlmSession }[] = [];

  private constructor(
    private readonly account: OwnAccount,
    private readonly vault: Vault,
  ) {}

  static async load(olm: typeof Olm, account: OwnAccount, vault: Vault): Promise<OlmSessions> {
    const sessions = new OlmSessions(account, vault);
    for (const [key, pickle] of await vault.entries(PREFIX)) {
      const senderKey = key.slice(PREFIX.length, key.lastIndexOf('!'));
      sessions.list(senderKey).push(OlmSession.unpickle(olm, pickle));
    }
    return sessions;
  }

  /**
   * Decrypts one Olm message from `senderKey`. A pre-key message that no session matches
   * creates an inbound session and uses up our one-time key; a normal message is tried on
   * every session with that sender. When nothing decrypts it: what olm said, or
   * `OLM.NO_SESSION` when we have no session with that sender at all.
   */
  decrypt(senderKey: string, type: 0 | 1, body: string): OlmDecryption | OlmFailure {
    const sessions = this.list(senderKey);
    if (type === 0) {
      for (const s of sessions) {
        const matches = s.matchesInbound(senderKey, body);
        if (matches instanceof OlmFailure) return matches;
        if (!matches) continue;
        const plaintext = s.decrypt(0, body);
        return plaintext instanceof OlmFailure ? plaintext : this.done(senderKey, s, plaintext, false);
      }
      const opened = this.account.acceptPreKeyMessage(senderKey, body);
      if (opened instanceof OlmFailure) return opened;
      sessions.push(opened.session);
      const result = this.done(senderKey, opened.session, opened.plaintext, true);
      result.ops.push(this.vault.putOp('account', this.account.pickle()));
      return result;
    }
    let failure = new OlmFailure('OLM.NO_SESSION');
    for (const s of sessions) {
      const plaintext = s.decrypt(1, body);
      if (!(plaintext instanceof OlmFailure)) return this.done(senderKey, s, plaintext, false);
      failure = plaintext;
    }
    return failure;
  }

  /**
   * Keeps an outbound session we made with `theirKey` for the input at `seq`; its vault
   * write goes in the caller's batch (if that batch fails, {@link forgetAfter} drops it).
   */
  addOutbound(theirKey: string, session: OlmSession, seq: number): BatchOp[] {
    this.list(theirKey).push(session);
    this.unsettled.push({ seq, theirKey, session });
    return [this.vault.putOp(`${PREFIX}${theirKey}!${session.sessionId()}`, session.pickle())];
  }

  /**
   * Encrypts for the device with `theirKey` with the most recently used session with it;
   * `OLM.NO_SESSION` when there is none.
   */
  encrypt(theirKey: string, plaintext: string): { type: 0 | 1; body: string; sessionId: string; ops: BatchOp[] } | OlmFailure {
    const sessions = this.list(theirKey);
    const session = sessions[sessions.length - 1];
    if (session === undefined) return new OlmFailure('OLM.NO_SESSION');
    const message = session.encrypt(plaintext);
    const sessionId = session.sessionId();
    return { ...message, sessionId, ops: [this.vault.putOp(`${PREFIX}${theirKey}!${sessionId}`, session.pickle())] };
  }

  /** Drops the outbound sessions made for inputs after `seq` (their batch was not written). */
  forgetAfter(seq: number): void {
    const keep: typeof this.unsettled = [];
    for (const u of this.unsettled) {
      if (u.seq <= seq) {
        keep.push(u);
        continue;
      }
      const list = this.list(u.theirKey);
      const i = list.indexOf(u.session);
      if (i >= 0) list.splice(i, 1);
      u.session.free();
    }
    this.unsettled = keep;
  }

  /** The batches through `seq` are written: their sessions stay. */
  settle(seq: number): void {
    if (this.unsettled.length > 0) this.unsettled = this.unsettled.filter((u) => u.seq > seq);
  }

  private done(senderKey: string, session: OlmSession, plaintext: string, newSession: boolean): OlmDecryption {
    const list = this.list(senderKey);
    // The most recently used session is last: the one to encrypt with.
    list.splice(list.indexOf(session), 1);
    list.push(session);
    const sessionId = session.sessionId();
    return { plaintext, sessionId, newSession, ops: [this.vault.putOp(`${PREFIX}${senderKey}!${sessionId}`, session.pickle())] };
  }

  private list(senderKey: string): OlmSession[] {
    let list = this.bySender.get(senderKey);
    if (list === undefined) this.bySender.set(senderKey, (list = []));
    return list;
  }

  free(): void {
    for (const list of this.bySender.values()) for (const s of list) s.free();
    this.bySender.clear();
  }
}
