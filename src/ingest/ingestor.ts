import { isRight } from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../events/decode.js';
import type { Envelope, RoomEventEnvelope, ToDeviceEnvelope } from '../../events/envelope.js';
import type {
  MegolmDecryptedPayload,
  MegolmUndecryptablePayload,
  OlmDecryptedPayload,
  OlmPlaintextView,
  OlmUndecryptablePayload,
  RoomKeyFacts,
} from '../../events/facts.js';
import { ForwardedRoomKeyContent, MEGOLM_V1, RoomKeyContent } from '../../events/megolm.js';
import { MAX_VERIFICATION_PLAINTEXT, isVerificationPlaintext } from '../../events/facts.js';
import { OLM_V1, OlmPlaintext } from '../../events/olm.js';
import { megolmSession, megolmSessionForEvent } from '../../projections/megolm/selectors.js';
import { olmCiphertextSeen } from '../../projections/olm/selectors.js';
import type { OwnAccount } from '../crypto/account.js';
import { OlmFailure } from '../crypto/failure.js';
import type { Olm } from '../crypto/olm.js';
import { sha256Hex } from '../canonical.js';
import type { BatchOp } from '../log/store.js';
import type { LedgerState } from '../runtime/projector.js';
import type { Vault } from '../crypto/vault.js';
import { MegolmKeys, megolmMessageIndex, megolmVaultKey, type MegolmDecryption } from './megolm-keys.js';
import type { MegolmPlaintext } from '../crypto/megolm-session.js';
import { scanJson } from './json-bounds.js';
import { OlmSessions } from './olm-sessions.js';
import { examineRoomKey } from './examine-key.js';
import { SEALED, takeOutSecrets } from '../secrets/walk.js';
import { OwnCrossSigningSeeds } from '../outbound/cross-signing.js';
import { OutboundGroupSessions } from '../outbound/group-sessions.js';
import { SecretInbox } from '../secrets/inbox.js';
import { RestoreIntake } from './restore.js';

/** Room events handed over together from which starting the Megolm worker pays (fewer are decrypted in their turn). */
const MIN_DECRYPT_AHEAD = 16;

/** Marks a secret field in a logged Olm plaintext. */
export { SEALED };

/**
 * A decrypted room event as the caller gets it, from `ingest` and `decryptRoomEvent`
 * alike: its `type` and `content` (the plaintext's `room_id` is checked by the rules, the
 * message index is in the answer). Never logged.
 */
export interface RoomEventPlaintext {
  type: string;
  content: Record<string, unknown>;
}

/** What ingestion derived from one input. */
export interface Derived {
  facts: { kind: string; payload: unknown }[];
  ops: BatchOp[];
  /** Fact seqs whose megolm keys this batch writes to the vault. */
  keySeqs: number[];
  plaintext?: RoomEventPlaintext;
}

/**
 * The impure step of ingestion: decrypts what only this moment can decrypt (Olm, with
 * our account and sessions) or what the caller wants read (Megolm room events), and turns
 * it into facts logged beside the input. Never throws for bad input: a failure is a fact.
 */
export class Ingestor {
  /** Secrets of `m.secret.send` payloads decrypted in the batch being built, until judged. */
  readonly secretInbox = new SecretInbox();

  private constructor(
    private readonly olm: typeof Olm,
    private readonly vault: Vault,
    private readonly olmSessions: OlmSessions,
    private readonly megolmKeys: MegolmKeys,
    private readonly curve25519: string,
    private readonly outboundGroup: OutboundGroupSessions,
    private readonly ownCrossSigning: OwnCrossSigningSeeds,
  ) {
    this.restore = new RestoreIntake(olm, vault, megolmKeys);
  }

  /** Secrets and restored keys: what the facade staged, and backup responses. */
  readonly restore: RestoreIntake;

  static async load(olm: typeof Olm, account: OwnAccount, vault: Vault, options: { decryptWorker?: boolean } = {}): Promise<Ingestor> {
    return new Ingestor(
      olm, vault, await OlmSessions.load(olm, account, vault), new MegolmKeys(olm, vault, options.decryptWorker !== false), account.identityKeys().curve25519, await OutboundGroupSessions.load(olm, vault),
      await OwnCrossSigningSeeds.load(vault),
    );
  }

  /**
   * The facts an input gives rise to, or null when it gives none. `seq` is the input's
   * own seq (its facts follow it); `state` folds everything before the input first.
   */
  derive(envelope: Envelope, seq: number, state: () => LedgerState): Derived | Promise<Derived> | null {
    if (envelope.kind === 'to_device' && envelope.event.type === 'm.room.encrypted') {
      const content = envelope.event.content as { algorithm?: unknown };
      return content.algorithm === OLM_V1 ? this.olmToDevice(envelope, seq, state) : null;
    }
    if (envelope.kind === 'room_event' && envelope.event.type === 'm.room.encrypted') {
      const content = envelope.event.content as { algorithm?: unknown };
      return content.algorithm === MEGOLM_V1 ? this.megolmRoomEvent(envelope, seq, state) : null;
    }
    return this.restore.derive(envelope, seq, state);
  }

  /** Our Olm sessions (inbound and outbound), which the outbound path encrypts with. */
  get sessions(): OlmSessions {
    return this.olmSessions;
  }

  /** Our outbound Megolm sessions, by room. */
  get groupSessions(): OutboundGroupSessions {
    return this.outboundGroup;
  }

  /** The private cross-signing seeds we hold. */
  get crossSigningSeeds(): OwnCrossSigningSeeds {
    return this.ownCrossSigning;
  }

  /** The olm library. */
  get olmLibrary(): typeof Olm {
    return this.olm;
  }

  /** The Megolm keys in the vault (our own outbound sessions are kept there too, as inbound ones). */
  get roomKeys(): MegolmKeys {
    return this.megolmKeys;
  }

  /** What the batch being built may do instead of waiting for the Megolm worker (true if it did something), or null. */
  whileWaiting(idle: (() => boolean) | null): void {
    this.megolmKeys.whileWaiting(idle);
  }

  /** Forgets what ingestion holds for entries after `seq` that were never written (a failed batch). */
  forgetAfter(seq: number): void {
    this.secretInbox.clear();
    this.megolmKeys.forgetAfter(seq);
    this.olmSessions.forgetAfter(seq);
    this.outboundGroup.forgetAfter(seq);
    this.ownCrossSigning.forgetAfter(seq);
  }

  /** Called once a batch is on disk. */
  written(keySeqs: readonly number[], headSeq: number): void {
    this.secretInbox.clear();
    this.megolmKeys.written(keySeqs);
    this.restore.written();
    this.olmSessions.settle(headSeq);
    this.outboundGroup.settle(headSeq);
  }

  private olmToDevice(envelope: ToDeviceEnvelope, seq: number, state: () => LedgerState): Derived {
    const { sender, content } = envelope.event as unknown as { sender: string; content: { sender_key: string; ciphertext: Record<string, { type: 0 | 1; body: string }> } };
    const fail = (reason: OlmUndecryptablePayload['reason'], detail: string, hash: string | null): Derived => ({
      facts: [{ kind: 'olm_undecryptable', payload: { input_seq: seq, sender, sender_key: content.sender_key, reason, detail, ciphertext_hash: hash } satisfies OlmUndecryptablePayload }],
      ops: [],
      keySeqs: [],
    });
    const message = Object.prototype.hasOwnProperty.call(content.ciphertext, this.curve25519) ? content.ciphertext[this.curve25519] : undefined;
    if (message === undefined) return fail('not_for_us', `no ciphertext for our key ${this.curve25519}`, null);
    const hash = sha256Hex(message.body);
    if (olmCiphertextSeen(state(), hash)) return fail('replayed', 'this exact Olm message arrived before', hash);
    const decrypted = this.olmSessions.decrypt(content.sender_key, message.type, message.body);
    if (decrypted instanceof OlmFailure) return fail(decrypted.code === 'OLM.NO_SESSION' ? 'no_session' : 'bad_message', decrypted.code, hash);
    const factSeq = seq + 1;
    const ops = [...decrypted.ops];
    const keySeqs: number[] = [];
    let plaintext: OlmPlaintextView | null = null;
    let plaintextError: OlmDecryptedPayload['plaintext_error'] = null;
    let roomKey: RoomKeyFacts | null = null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(decrypted.plaintext);
    } catch {
      plaintextError = { path: '', message: 'the Olm plaintext is not JSON' };
    }
    if (plaintextError === null) {
      // Bounded before anything walks it (sealing, decoding, canonical JSON all recurse).
      const problem = scanJson(decrypted.plaintext);
      if (problem !== null) {
        const path = problem.path === '' ? 'plaintext' : `plaintext.${problem.path}`;
        plaintextError = { path, message: `${path}: ${problem.message}`, reason: problem.kind };
      }
    }
    if (plaintextError === null) {
      const payload = decodeWith(OlmPlaintext, parsed, 'plaintext');
      if (isRight(payload)) {
        plaintext = takeOutSecrets(payload.right, SEALED).value as OlmPlaintextView;
        const secret = payload.right.type === 'm.secret.send' ? (payload.right.content as { secret?: unknown }).secret : undefined;
        if (typeof secret === 'string') this.secretInbox.put(factSeq, secret);
        const examined = this.examine(payload.right.type, payload.right.content, content.sender_key, factSeq, state);
        if (examined !== null) {
          roomKey = examined.facts;
          if (examined.exported !== null) {
            ops.push(this.megolmKeys.put(factSeq, examined.exported));
            keySeqs.push(factSeq);
          }
        }
      } else {
        plaintextError = payload.left;
      }
    }
    const fact: OlmDecryptedPayload = {
      input_seq: seq,
      sender,
      sender_key: content.sender_key,
      olm_session_id: decrypted.sessionId,
      message_type: message.type,
      new_session: decrypted.newSession,
      ciphertext_hash: hash,
      plaintext,
      plaintext_error: plaintextError,
      // Without a store key nothing secret may be logged: the plaintext stays out.
      sealed_plaintext: this.vault.encrypted ? this.vault.sealForLog(decrypted.plaintext, 'sealed_plaintext') : null,
      room_key: roomKey,
    };
    return { facts: [{ kind: 'olm_decrypted', payload: fact }], ops, keySeqs };
  }

  /** Room key facts for an `m.room_key` / `m.forwarded_room_key` payload whose content decodes. */
  private examine(type: string, content: unknown, olmSenderKey: string, factSeq: number, state: () => LedgerState) {
    const vaultKey = megolmVaultKey(factSeq);
    if (type === 'm.room_key') {
      const c = decodeWith(RoomKeyContent, content);
      if (!isRight(c)) return null;
      const stored = megolmSession(state(), c.right.room_id, olmSenderKey, c.right.session_id);
      return examineRoomKey(this.olm, c.right.session_key, 'shared', stored, vaultKey);
    }
    if (type === 'm.forwarded_room_key') {
      const c = decodeWith(ForwardedRoomKeyContent, content);
      if (!isRight(c)) return null;
      const stored = megolmSession(state(), c.right.room_id, c.right.sender_key, c.right.session_id);
      return examineRoomKey(this.olm, c.right.session_key, 'exported', stored, vaultKey);
    }
    return null;
  }

  /**
   * Hands room events to the Megolm worker ahead of their turn, each with the key the state
   * before their batch names for it (`first`: they open a new batch). The worker starts
   * once enough room events come together to be worth a second thread. What the fold picks
   * when each event's turn comes still decides.
   */
  decryptAhead(envelopes: readonly (Envelope | undefined)[], state: LedgerState, first: boolean): Promise<void> | null {
    const jobs: { seq: number; ciphertext: string }[] = [];
    for (const envelope of envelopes) {
      if (envelope?.kind !== 'room_event' || envelope.event.type !== 'm.room.encrypted') continue;
      const content = envelope.event.content as { algorithm?: unknown; session_id?: unknown; sender_key?: unknown; ciphertext?: unknown };
      if (content.algorithm !== MEGOLM_V1 || typeof content.ciphertext !== 'string' || typeof content.session_id !== 'string') continue;
      const session = megolmSessionForEvent(state, envelope.room_id, typeof content.sender_key === 'string' ? content.sender_key : undefined, content.session_id);
      if (session !== undefined) jobs.push({ seq: session.keySeq, ciphertext: content.ciphertext });
    }
    return jobs.length > 0 ? this.megolmKeys.decryptAhead(jobs, first, jobs.length >= MIN_DECRYPT_AHEAD) : null;
  }

  private megolmRoomEvent(envelope: RoomEventEnvelope, seq: number, state: () => LedgerState): Derived | Promise<Derived> {
    const { event, room_id: roomId } = envelope;
    const content = event.content as { session_id: string; sender_key?: string; ciphertext: string };
    const base = { input_seq: seq, room_id: roomId, event_id: event.event_id, sender: event.sender, origin_server_ts: event.origin_server_ts, session_id: content.session_id };
    const fail = (reason: MegolmUndecryptablePayload['reason'], detail: string, messageIndex: number | null): Derived => ({
      facts: [{ kind: 'megolm_undecryptable', payload: { ...base, sender_key: content.sender_key ?? null, reason, message_index: messageIndex, detail } satisfies MegolmUndecryptablePayload }],
      ops: [],
      keySeqs: [],
    });
    const session = megolmSessionForEvent(state(), roomId, content.sender_key, content.session_id);
    if (session === undefined) return fail('no_session', 'no accepted session with this ID in this room', megolmMessageIndex(content.ciphertext));
    const decrypted = this.megolmKeys.decrypt(session.keySeq, content.ciphertext);
    const finish = (result: MegolmDecryption): Derived => {
      if (result === undefined) return fail('no_session', `the key of seq ${session.keySeq} is not in the vault`, megolmMessageIndex(content.ciphertext));
      if (result instanceof OlmFailure) {
        const index = megolmMessageIndex(content.ciphertext);
        return result.code === 'OLM.UNKNOWN_MESSAGE_INDEX'
          ? fail('unknown_index', `message ${index ?? '?'} is before the first known index ${session.firstKnownIndex}`, index)
          : fail('bad_ciphertext', result.code, index);
      }
      return this.megolmDecrypted(result, base, session, fail);
    };
    return decrypted instanceof Promise ? decrypted.then(finish) : finish(decrypted);
  }

  /** The fact and the caller's plaintext of a room event that decrypted. */
  private megolmDecrypted(
    result: MegolmPlaintext,
    base: Omit<MegolmDecryptedPayload, 'sender_key' | 'message_index' | 'key_seq' | 'plaintext_type' | 'plaintext_room_id' | 'verification'>,
    session: { senderKey: string; keySeq: number },
    fail: (reason: MegolmUndecryptablePayload['reason'], detail: string, messageIndex: number | null) => Derived,
  ): Derived {
    let plaintext: { type?: unknown; content?: unknown; room_id?: unknown };
    try {
      plaintext = JSON.parse(result.plaintext) as typeof plaintext;
      if (plaintext === null || typeof plaintext !== 'object') throw new Error('not an object');
    } catch {
      return fail('bad_plaintext', 'the decrypted event is not a JSON object', result.messageIndex);
    }
    // Every field written out (no spread of `base`, no spread of an empty object): this
    // object is made for every room event that decrypts.
    const fact: { -readonly [K in keyof MegolmDecryptedPayload]: MegolmDecryptedPayload[K] } = {
      input_seq: base.input_seq,
      room_id: base.room_id,
      event_id: base.event_id,
      sender: base.sender,
      origin_server_ts: base.origin_server_ts,
      session_id: base.session_id,
      sender_key: session.senderKey,
      message_index: result.messageIndex,
      key_seq: session.keySeq,
      plaintext_type: typeof plaintext.type === 'string' ? plaintext.type : null,
      plaintext_room_id: typeof plaintext.room_id === 'string' ? plaintext.room_id : null,
    };
    // A verification event's content is kept for the verification slice; bounded, and
    // with what the spec calls secret (a reciprocate start's QR secret) taken out.
    if (isVerificationPlaintext(plaintext.type, plaintext.content) && JSON.stringify(plaintext.content).length <= MAX_VERIFICATION_PLAINTEXT) {
      fact.verification = { type: plaintext.type as string, content: (takeOutSecrets({ type: plaintext.type, content: plaintext.content }, SEALED).value as { content: Record<string, unknown> }).content };
    }
    return {
      facts: [{ kind: 'megolm_decrypted', payload: fact }],
      ops: [],
      keySeqs: [],
      plaintext: {
        type: fact.plaintext_type ?? '',
        content: plaintext.content !== null && typeof plaintext.content === 'object' ? (plaintext.content as Record<string, unknown>) : {},
      },
    };
  }

  free(): void {
    this.olmSessions.free();
    this.megolmKeys.free();
    this.outboundGroup.free();
  }
}
