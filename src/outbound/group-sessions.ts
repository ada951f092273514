/**
 * Our outbound Megolm sessions, one current session per room: loaded from the vault at
 * open, kept alive, and written back (pickled, sealed) in the batch of every input that
 * moved them (a new session, each encrypted event), so a restart never encrypts twice at
 * one index.
 */
import { OutboundMegolmSession } from '../crypto/megolm-session.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';

const PREFIX = 'megolm-out!';

export class OutboundGroupSessions {
  private readonly byRoom = new Map<string, OutboundMegolmSession>();
  /** Sessions made for inputs not written yet: dropped (and the previous one put back) if their batch fails. */
  private unsettled: { seq: number; roomId: string; session: OutboundMegolmSession; previous: OutboundMegolmSession | undefined }[] = [];

  private constructor(
    /** The olm library the sessions are made with. */
    readonly olm: typeof Olm,
    private readonly vault: Vault,
  ) {}

  static async load(olm: typeof Olm, vault: Vault): Promise<OutboundGroupSessions> {
    const sessions = new OutboundGroupSessions(olm, vault);
    for (const [key, pickle] of await vault.entries(PREFIX)) sessions.byRoom.set(key.slice(PREFIX.length), OutboundMegolmSession.unpickle(olm, pickle));
    return sessions;
  }

  /** The room's current session, if it has one. */
  get(roomId: string): OutboundMegolmSession | undefined {
    return this.byRoom.get(roomId);
  }

  /** A new session for the room, made for the input at `seq`; it replaces the current one. */
  create(roomId: string, seq: number): OutboundMegolmSession {
    const session = OutboundMegolmSession.create(this.olm);
    this.unsettled.push({ seq, roomId, session, previous: this.byRoom.get(roomId) });
    this.byRoom.set(roomId, session);
    return session;
  }

  /** The vault write that keeps the room's session as it is now. */
  saveOp(roomId: string, session: OutboundMegolmSession): BatchOp {
    return this.vault.putOp(`${PREFIX}${roomId}`, session.pickle());
  }

  /**
   * Puts back what sessions made for inputs after `seq` replaced (their batch was not
   * written). A ratchet that moved on in a failed batch stays moved on: skipping indices
   * is harmless, using one twice is not.
   */
  forgetAfter(seq: number): void {
    for (let i = this.unsettled.length - 1; i >= 0; i--) {
      const u = this.unsettled[i]!;
      if (u.seq <= seq) continue;
      if (this.byRoom.get(u.roomId) === u.session) {
        if (u.previous !== undefined) this.byRoom.set(u.roomId, u.previous);
        else this.byRoom.delete(u.roomId);
      }
      // Later inputs were undone first: nothing refers to this session any more.
      u.session.free();
      this.unsettled.splice(i, 1);
    }
  }

  /** The batches through `seq` are written: the sessions they replaced are freed. */
  settle(seq: number): void {
    if (this.unsettled.length === 0) return;
    this.unsettled = this.unsettled.filter((u) => {
      if (u.seq > seq) return true;
      u.previous?.free();
      return false;
    });
  }

  free(): void {
    for (const s of this.byRoom.values()) s.free();
    this.byRoom.clear();
    for (const u of this.unsettled) u.previous?.free();
    this.unsettled = [];
  }
}
