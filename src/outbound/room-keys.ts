/**
 * Our room keys, carried out: what the `outbound` slice decided about a room (a new
 * session, devices to send the key to, devices to tell it is withheld) is done here with
 * what only this moment can do (a fresh Megolm session, Olm encryption), and logged as
 * facts in the input's batch. The session's key goes to the vault, never the log.
 */
import type { MegolmSessionCreatedPayload, RoomKeySharedPayload, MegolmEncryptedPayload, SharedWithDevice, WithheldFromDevice } from '../../events/megolm-out.js';
import type { OutgoingRequestPayload } from '../../events/outbound.js';
import { MEGOLM_V1 } from '../../events/megolm.js';
import { OLM_V1 } from '../../events/olm.js';
import type { KeyRecipient, OutboundRoom } from '../../projections/outbound/state.js';
import { sha256Hex } from '../canonical.js';
import type { OwnAccount } from '../crypto/account.js';
import { OlmFailure } from '../crypto/failure.js';
import type { OutboundMegolmSession } from '../crypto/megolm-session.js';
import type { Olm } from '../crypto/olm.js';
import { examineRoomKey } from '../ingest/examine-key.js';
import { megolmVaultKey, type MegolmKeys } from '../ingest/megolm-keys.js';
import type { OlmSessions } from '../ingest/olm-sessions.js';
import type { BatchOp } from '../log/store.js';
import type { OutboundGroupSessions } from './group-sessions.js';

/** A fact our room-key work logs. */
export type RoomKeyFact =
  | { kind: 'megolm_session_created'; payload: MegolmSessionCreatedPayload }
  | { kind: 'room_key_shared'; payload: RoomKeySharedPayload }
  | { kind: 'megolm_encrypted'; payload: MegolmEncryptedPayload }
  | { kind: 'outgoing_request'; payload: OutgoingRequestPayload };

/** Where one input's room-key work goes: facts, vault writes, and the seqs of the Megolm keys it stores. */
export interface RoomKeyWork {
  facts: { push(...facts: RoomKeyFact[]): number };
  ops: BatchOp[];
  keySeqs: number[];
}

/** The `m.room.encrypted` content of a Megolm-encrypted room event. */
export interface MegolmEncryptedEventContent {
  algorithm: typeof MEGOLM_V1;
  sender_key: string;
  ciphertext: string;
  session_id: string;
  device_id: string;
}

export class RoomKeySharer {
  constructor(
    private readonly olm: typeof Olm,
    private readonly account: OwnAccount,
    private readonly olmSessions: OlmSessions,
    private readonly groups: OutboundGroupSessions,
    private readonly roomKeys: MegolmKeys,
    private readonly newId: () => string,
  ) {}

  /**
   * Carries out what the room's state asks: a new session if one is due, the key to
   * `recipients` (Olm-encrypted, one to_device request), `m.room_key.withheld` to those
   * in `toWithhold` (one to_device request, in the clear as the spec allows).
   * `nextSeq()` is the seq the next fact pushed to `work` will get.
   */
  flush(roomId: string, room: OutboundRoom, recipients: readonly KeyRecipient[], inputSeq: number, work: RoomKeyWork, nextSeq: () => number): void {
    const own = this.account.identityKeys();
    let session: OutboundMegolmSession | undefined;
    if (room.session === null || room.rotate !== null) {
      session = this.groups.create(roomId, inputSeq);
      const seq = nextSeq();
      const examined = examineRoomKey(this.olm, session.sessionKey(), 'shared', undefined, megolmVaultKey(seq));
      if (examined.exported === null) throw new Error(`a new outbound session did not import: ${examined.facts.error}`);
      work.ops.push(this.roomKeys.put(seq, examined.exported), this.groups.saveOp(roomId, session));
      work.keySeqs.push(seq);
      work.facts.push({
        kind: 'megolm_session_created',
        payload: {
          input_seq: inputSeq, room_id: roomId, session_id: session.sessionId(), sender_key: own.curve25519,
          first_known_index: examined.facts.first_known_index!, commitment: examined.facts.commitment!, vault_key: examined.facts.vault_key,
        },
      });
    } else {
      session = this.current(roomId, room.session.sessionId);
    }
    if (recipients.length === 0 && room.toWithhold.length === 0) return;
    const sessionId = session.sessionId();
    const index = session.messageIndex();
    const content = { algorithm: MEGOLM_V1, room_id: roomId, session_id: sessionId, session_key: session.sessionKey() };
    const senderDeviceKeys = this.account.deviceKeys();
    const messages: Record<string, Record<string, unknown>> = {};
    const devices: SharedWithDevice[] = [];
    for (const r of recipients) {
      const payload = {
        type: 'm.room_key', content, sender: this.account.userId, recipient: r.userId, recipient_keys: { ed25519: r.ed25519 },
        keys: { ed25519: own.ed25519 }, sender_device_keys: senderDeviceKeys,
      };
      const message = this.olmSessions.encrypt(r.curve25519, JSON.stringify(payload));
      if (message instanceof OlmFailure) continue;
      work.ops.push(...message.ops);
      (messages[r.userId] ??= {})[r.deviceId] = { algorithm: OLM_V1, sender_key: own.curve25519, ciphertext: { [r.curve25519]: { type: message.type, body: message.body } } };
      devices.push({ user_id: r.userId, device_id: r.deviceId, curve25519: r.curve25519, olm_session_id: message.sessionId });
    }
    const withheld: WithheldFromDevice[] = room.toWithhold.map((w) => ({ user_id: w.userId, device_id: w.deviceId, code: w.code }));
    const notices: Record<string, Record<string, unknown>> = {};
    for (const w of withheld) {
      // m.no_olm names no session: it covers every session we could not send.
      const where = w.code === 'm.no_olm' ? {} : { room_id: roomId, session_id: sessionId };
      (notices[w.user_id] ??= {})[w.device_id] = { algorithm: MEGOLM_V1, sender_key: own.curve25519, code: w.code, reason: WITHHELD_REASONS[w.code] ?? w.code, ...where };
    }
    work.facts.push({ kind: 'room_key_shared', payload: { input_seq: inputSeq, room_id: roomId, session_id: sessionId, message_index: index, devices, withheld } });
    if (devices.length > 0) {
      work.facts.push({ kind: 'outgoing_request', payload: { id: this.newId(), type: 'to_device', input_seq: inputSeq, event_type: 'm.room.encrypted', txn_id: this.newId(), body: { messages } } });
    }
    if (withheld.length > 0) {
      work.facts.push({ kind: 'outgoing_request', payload: { id: this.newId(), type: 'to_device', input_seq: inputSeq, event_type: 'm.room_key.withheld', txn_id: this.newId(), body: { messages: notices } } });
    }
  }

  /** Encrypts one room event with the room's session (the rules allowed it); the session is written in this batch. */
  encrypt(roomId: string, sessionId: string, eventType: string, content: Record<string, unknown>, inputSeq: number, work: RoomKeyWork): MegolmEncryptedEventContent {
    const session = this.current(roomId, sessionId);
    const index = session.messageIndex();
    const ciphertext = session.encrypt(JSON.stringify({ type: eventType, content, room_id: roomId }));
    work.ops.push(this.groups.saveOp(roomId, session));
    work.facts.push({ kind: 'megolm_encrypted', payload: { input_seq: inputSeq, room_id: roomId, session_id: sessionId, message_index: index, event_type: eventType, ciphertext_hash: sha256Hex(ciphertext) } });
    return { algorithm: MEGOLM_V1, sender_key: this.account.identityKeys().curve25519, ciphertext, session_id: sessionId, device_id: this.account.deviceId };
  }

  /** The live session the state names as the room's current one. */
  private current(roomId: string, sessionId: string): OutboundMegolmSession {
    const session = this.groups.get(roomId);
    // The vault and the log are written in one batch: they cannot disagree but by damage.
    if (session === undefined || session.sessionId() !== sessionId) throw new Error(`the outbound session ${sessionId} of ${roomId} is not in the vault`);
    return session;
  }
}

/** The `reason` of our withheld notices: for people, as the spec's code descriptions say. */
const WITHHELD_REASONS: Readonly<Record<string, string>> = {
  'm.unverified': 'The sender disabled sending keys to unverified devices.',
  'm.blacklisted': 'The sender has blocked you.',
  'm.no_olm': 'Unable to establish a secure channel.',
};
