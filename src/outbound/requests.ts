/**
 * The outbound path's requests: after an input that can call for one (a sync, tracked
 * users, a response), the state is read and each request it calls for is made here, with
 * what only this moment can make (a random request ID, new one-time keys from our olm
 * account), and handed to the writer as an `outgoing_request` fact in the same batch as
 * the input. The decision to make it is the slice's (`projections/outbound`); the fact
 * records that it was made, so a replay never makes it again.
 */
import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../events/envelope.js';
import type { FallbackKeyForgottenPayload, OlmEncryptedPayload, OlmSessionCreatedPayload } from '../../events/outbound.js';
import { OLM_V1 } from '../../events/olm.js';
import { encryptVerdict } from '../../projections/outbound/encrypt.js';
import { sha256Hex } from '../canonical.js';
import { devicesToRecover, devicesWithoutSession, isWedged, oldFallbackKeyDue, outboundState, uploadNeed, usersToQuery } from '../../projections/outbound/selectors.js';
import { deviceRecord } from '../../projections/identities/selectors.js';
import { OlmFailure } from '../crypto/failure.js';
import type { OlmSessions } from '../ingest/olm-sessions.js';
import type { OwnAccount } from '../crypto/account.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';
import type { LedgerState } from '../runtime/projector.js';
import type { MegolmKeys } from '../ingest/megolm-keys.js';
import { encryptRefusal, outboundRoom } from '../../projections/outbound/room-keys.js';
import { hmEntries } from '../../projections/hashmap.js';
import type { OutboundGroupSessions } from './group-sessions.js';
import { RoomKeySharer, type MegolmEncryptedEventContent, type RoomKeyFact } from './room-keys.js';
import type { GossipSentPayload, SecretStoredPayload } from '../../events/gossip.js';
import { SecretInbox } from '../secrets/inbox.js';
import { GOSSIP_EVENT_TYPES, GossipSender } from './gossip.js';
import { VerificationAgent, type VerificationFact } from './verification.js';
import { CrossSigner, type OwnCrossSigningSeeds } from './cross-signing.js';
import type { OwnCrossSigningKeysPayload } from '../../events/cross-signing.js';

/** Envelope kinds after which a request may be due. */
const MAY_CALL_FOR_REQUESTS: ReadonlySet<string> = new Set([
  'sync', 'track_users', 'keys_query', 'keys_upload', 'missing_sessions', 'keys_claim', 'encrypt_to_device', 'share_room_key', 'encrypt_room_event',
  'cross_signing', 'send_room_message',
]);

/** Requests made after one input: facts to append, and vault writes for the same batch. */
export interface MadeRequests {
  facts: (
    | RoomKeyFact
    | { kind: 'olm_session_created'; payload: OlmSessionCreatedPayload }
    | { kind: 'olm_encrypted'; payload: OlmEncryptedPayload }
    | { kind: 'fallback_key_forgotten'; payload: FallbackKeyForgottenPayload }
    | { kind: 'gossip_sent'; payload: GossipSentPayload }
    | { kind: 'secret_stored'; payload: SecretStoredPayload }
    | { kind: 'own_cross_signing_keys'; payload: OwnCrossSigningKeysPayload }
  )[];
  ops: BatchOp[];
  /** Seqs of the facts whose Megolm keys this batch writes to the vault. */
  keySeqs: number[];
}

/** Makes the requests the state calls for. */
export class RequestMaker {
  /** Contents the client asked to encrypt, by transaction ID, until their input is folded (never logged). */
  private readonly staged = new Map<string, Record<string, unknown>>();
  /** Room events encrypted, by transaction ID, until the caller takes them (never logged). */
  private readonly encrypted = new Map<string, MegolmEncryptedEventContent>();
  private readonly sharer: RoomKeySharer;
  private readonly gossip: GossipSender;
  /** Verification flows' messages and SAS secrets. */
  private readonly verifier: VerificationAgent;
  /** Our own cross-signing keys: bootstrap, import, signatures. */
  readonly crossSigner: CrossSigner;

  constructor(
    private readonly account: OwnAccount,
    private readonly vault: Vault,
    private readonly sessions: OlmSessions,
    groups: OutboundGroupSessions,
    roomKeys: MegolmKeys,
    crossSigningSeeds: OwnCrossSigningSeeds,
    inbox: SecretInbox = new SecretInbox(),
    private readonly newId: () => string = randomUUID,
  ) {
    this.sharer = new RoomKeySharer(groups.olm, account, sessions, groups, roomKeys, newId);
    this.verifier = new VerificationAgent(
      groups.olm, { userId: account.userId, deviceId: account.deviceId, ed25519: account.identityKeys().ed25519 },
      (request, inputSeq, state) => this.signVerified(request, inputSeq, state), newId,
      (roomId, eventType, content, inputSeq, state, receivedAt) => this.encryptForVerification(roomId, eventType, content, inputSeq, state, receivedAt),
    );
    this.crossSigner = new CrossSigner(groups.olm, account, vault, crossSigningSeeds, newId);
    this.gossip = new GossipSender({
      olm: groups.olm, account, vault, roomKeys, inbox, newId,
      crossSigningSeed: (role) => crossSigningSeeds.get(role),
      encrypt: (device, to, content, inputSeq, made) => this.encryptWith(device, to, content, inputSeq, made),
      claim: (devices, state, inputSeq, made) => {
        const claiming = claimingDevices(state);
        this.claimFor(devices.filter((d) => !claiming.has(`${d.userId} ${d.deviceId}`)), inputSeq, made);
      },
    });
  }

  /**
   * The gossip step after an input (`src/outbound/gossip.ts`): our requests, their
   * cancellations, the answers we owe, accepted secrets into the vault. Null when the
   * input cannot call for any (nothing is folded for it then).
   */
  /** Whether `gossipAfter` may do anything for this input (checked first: most inputs are room events, and an await per input costs a tick). */
  wantsGossip(envelope: Envelope, olmType: string | null): boolean {
    return mayCallForGossip(envelope, olmType);
  }

  async gossipAfter(envelope: Envelope, inputSeq: number, state: () => LedgerState, olmType: string | null): Promise<MadeRequests | null> {
    if (!mayCallForGossip(envelope, olmType)) return null;
    const made: MadeRequests = { facts: [], ops: [], keySeqs: [] };
    await this.gossip.after(envelope, inputSeq, state, made);
    return made.facts.length > 0 || made.ops.length > 0 ? made : null;
  }

  /**
   * The facts that pay the next thing a verification flow owes (a message, the SAS, a
   * MAC check), or null. The writer folds them and asks again.
   */
  verificationStep(state: LedgerState, inputSeq: number, receivedAt: number): { facts: VerificationFact[]; ops: BatchOp[] } | null {
    this.verificationOps = [];
    const facts = this.verifier.next(state, inputSeq, receivedAt);
    const ops = this.verificationOps;
    this.verificationOps = [];
    return facts === null ? null : { facts, ops };
  }

  /** Store writes (the outbound session after an encryption) of the verification step being paid. */
  private verificationOps: BatchOp[] = [];

  /** An in-room verification event, Megolm-encrypted when the room has a session we may use (as `encryptRoomEvent`). */
  private encryptForVerification(roomId: string, eventType: string, content: Record<string, unknown>, inputSeq: number, state: LedgerState, receivedAt: number) {
    const session = outboundRoom(state, roomId)?.session;
    if (session == null || encryptRefusal(state, roomId, receivedAt) !== null) return null;
    const work: { facts: RoomKeyFact[]; ops: BatchOp[]; keySeqs: number[] } = { facts: [], ops: [], keySeqs: [] };
    const encrypted = this.sharer.encrypt(roomId, session.sessionId, eventType, content, inputSeq, work);
    this.verificationOps.push(...work.ops);
    const fact = work.facts.find((f): f is Extract<RoomKeyFact, { kind: 'megolm_encrypted' }> => f.kind === 'megolm_encrypted');
    return fact === undefined ? null : { fact, content: { ...encrypted } as Record<string, unknown> };
  }

  /** The secret of a received reciprocate start (entry `seq`), in memory until its flow's check. */
  holdQrSecret(seq: number, secret: string): void {
    this.verifier.holdReceivedQrSecret(seq, secret);
  }

  /** The secret of a QR code the user scanned, in memory until our reciprocate start is made. */
  holdScannedQrSecret(flowId: string, secret: Uint8Array): void {
    this.verifier.holdScannedQrSecret(flowId, secret);
  }

  /** An outgoing request with the secret of our reciprocate start put back (the log has `[sealed]`). */
  withQrSecret<R extends { id: string; type: string; body?: unknown }>(request: R): R {
    const secret = request.type === 'to_device' || request.type === 'room_message' ? this.verifier.sentQrSecret(request.id) : undefined;
    if (secret === undefined) return request;
    if (request.type === 'room_message') return { ...request, body: { ...(request.body as Record<string, unknown>), secret } };
    const body = request.body as { messages: Record<string, Record<string, Record<string, unknown>>> };
    const messages: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const [user, devices] of Object.entries(body.messages)) {
      messages[user] = {};
      for (const [device, content] of Object.entries(devices)) messages[user]![device] = { ...content, secret };
    }
    return { ...request, body: { ...body, messages } };
  }

  /** The QR code a verification flow shows (throws `QrUnavailableError`). */
  verificationQrCode(state: LedgerState, flowId: string): Uint8Array {
    return this.verifier.qrCode(state, flowId);
  }

  /** What a done verification flow has us sign, through our cross-signing keys (as `crossSignDevice` / `crossSignUser` would). */
  private signVerified(request: { action: 'sign_device'; device_id: string } | { action: 'sign_user'; user_id: string }, inputSeq: number, state: LedgerState): VerificationFact[] | null {
    const made = this.crossSigner.after({ kind: 'cross_signing', ...request }, inputSeq, state);
    return made === null ? null : (made.facts.filter((f) => f.kind === 'outgoing_request') as VerificationFact[]);
  }

  /** Frees the SAS secrets. */
  free(): void {
    this.verifier.free();
  }

  /**
   * The requests due after `envelope` (logged at `inputSeq`), read from `state` with the
   * input and its facts folded in. At most one keys_query (every outdated user no query
   * is fetching) and one keys_upload (none while one is pending). `lastSeq` is the seq of
   * the last entry appended before these facts; `receivedAt` stamps the input.
   */
  after(envelope: Envelope, inputSeq: number, state: () => LedgerState, lastSeq: number, receivedAt: number): MadeRequests | null {
    if (envelope.kind === 'to_device') {
      // A lone to-device event may only have wedged a session.
      const made: MadeRequests = { facts: [], ops: [], keySeqs: [] };
      this.recover(inputSeq, state(), made);
      return made.facts.length > 0 ? made : null;
    }
    if (!MAY_CALL_FOR_REQUESTS.has(envelope.kind)) return null;
    const made: MadeRequests = { facts: [], ops: [], keySeqs: [] };
    const nextSeq = () => lastSeq + 1 + made.facts.length;
    if (envelope.kind === 'sync') {
      this.forgetOldFallbackKey(inputSeq, receivedAt, state(), made);
      this.recover(inputSeq, state(), made);
    }
    if (envelope.kind === 'cross_signing' || envelope.kind === 'send_room_message') {
      // Neither changes a tracked user nor our one-time keys: only what it asks for is made.
      if (envelope.kind === 'cross_signing') {
        const signed = this.crossSigner.after(envelope, inputSeq, state());
        if (signed !== null) {
          made.facts.push(...signed.facts);
          made.ops.push(...signed.ops);
        }
      } else {
        made.facts.push({
          kind: 'outgoing_request',
          payload: { id: this.newId(), type: 'room_message', input_seq: inputSeq, room_id: envelope.room_id, event_type: envelope.event_type, txn_id: envelope.txn_id, body: envelope.content },
        });
      }
      return made.facts.length > 0 ? made : null;
    }
    if (envelope.kind === 'missing_sessions') this.claim(envelope.users, inputSeq, state(), made);
    if (envelope.kind === 'keys_claim') {
      const opened = this.openSessions(inputSeq, state(), made);
      this.shareAfterClaim(opened, inputSeq, state(), made, nextSeq);
    }
    if (envelope.kind === 'share_room_key') this.shareRoomKey(envelope.room_id, inputSeq, state(), made, nextSeq);
    if (envelope.kind === 'encrypt_room_event') {
      const content = this.staged.get(envelope.txn_id);
      this.staged.delete(envelope.txn_id);
      const s = state();
      const session = outboundRoom(s, envelope.room_id)?.session;
      if (content !== undefined && session != null && encryptRefusal(s, envelope.room_id, receivedAt) === null) {
        this.encrypted.set(envelope.txn_id, this.sharer.encrypt(envelope.room_id, session.sessionId, envelope.event_type, content, inputSeq, made));
      }
    }
    if (envelope.kind === 'encrypt_to_device') {
      const content = this.staged.get(envelope.txn_id);
      this.staged.delete(envelope.txn_id);
      if (content !== undefined) this.encrypt(envelope, content, inputSeq, state(), made);
    }
    // Encrypting changes no tracked user: the scan over every tracked user is skipped for it.
    const users = envelope.kind === 'encrypt_room_event' || envelope.kind === 'encrypt_to_device' ? [] : usersToQuery(state());
    if (users.length > 0) {
      const device_keys: Record<string, string[]> = {};
      for (const u of users) device_keys[u] = [];
      made.facts.push({ kind: 'outgoing_request', payload: { id: this.newId(), type: 'keys_query', input_seq: inputSeq, body: { device_keys } } });
    }
    // What the server holds of our keys is told by a sync (or an upload's response) only.
    const max = this.account.maxOneTimeKeys();
    const need = envelope.kind === 'sync' || envelope.kind === 'keys_upload' ? uploadNeed(state(), max) : null;
    if (need !== null) {
      const body = this.account.uploadBody(need);
      made.facts.push({
        kind: 'outgoing_request',
        payload: { id: this.newId(), type: 'keys_upload', input_seq: inputSeq, body, one_time_key_count: need.count, max_one_time_keys: max },
      });
      // The keys are handed out with this batch: the account that can use them is written with it.
      made.ops.push(this.vault.putOp('account', this.account.pickle()));
    }
    return made.facts.length > 0 ? made : null;
  }

  /**
   * Drops the fallback key before the current one once it has been replaced for an hour
   * (by the log's time: `receivedAt` of the sync being ingested), before any new fallback
   * key of this sync replaces the current one. The account is written in this batch.
   */
  private forgetOldFallbackKey(inputSeq: number, receivedAt: number, state: LedgerState, made: MadeRequests): void {
    const due = oldFallbackKeyDue(state, receivedAt);
    if (due === null) return;
    this.account.forgetOldFallbackKey();
    made.facts.push({ kind: 'fallback_key_forgotten', payload: { input_seq: inputSeq, replaced_seq: due.seq } });
    made.ops.push(this.vault.putOp('account', this.account.pickle()));
  }

  /**
   * Keeps a content to encrypt out of the log, under a new transaction ID that the
   * `encrypt_to_device` input names (and the `/sendToDevice` request uses).
   */
  stage(content: Record<string, unknown>): string {
    const txnId = this.newId();
    this.staged.set(txnId, content);
    return txnId;
  }

  /** Forgets a staged content whose input was not written, and what was encrypted from it. */
  unstage(txnId: string): void {
    this.staged.delete(txnId);
    this.encrypted.delete(txnId);
  }

  /** The room event encrypted for the input with this transaction ID (once), or undefined if it was refused. */
  takeEncrypted(txnId: string): MegolmEncryptedEventContent | undefined {
    const content = this.encrypted.get(txnId);
    this.encrypted.delete(txnId);
    return content;
  }

  /**
   * The room's share, as its state now asks: a keys_claim for devices awaiting a session
   * that no pending claim asks for, then the session (new if due), the key and withheld notices.
   */
  private shareRoomKey(roomId: string, inputSeq: number, state: LedgerState, made: MadeRequests, nextSeq: () => number): void {
    const room = outboundRoom(state, roomId);
    if (room === undefined) return;
    const claiming = claimingDevices(state);
    this.claimFor(room.awaiting.filter((d) => !claiming.has(`${d.userId} ${d.deviceId}`)), inputSeq, made);
    this.sharer.flush(roomId, room, room.toShare, inputSeq, made, nextSeq);
  }

  /** After a keys_claim response: the key to each awaiting device we just made a session with, and m.no_olm to those we could not. */
  private shareAfterClaim(opened: ReadonlySet<string>, inputSeq: number, state: LedgerState, made: MadeRequests, nextSeq: () => number): void {
    for (const [roomId, room] of hmEntries(outboundState(state).rooms)) {
      const recipients = room.awaiting.filter((d) => opened.has(d.curve25519));
      if (recipients.length === 0 && room.toWithhold.length === 0) continue;
      this.sharer.flush(roomId, room, recipients, inputSeq, made, nextSeq);
    }
  }

  /**
   * Olm-encrypts the spec's payload (type, content, sender, recipient, recipient_keys,
   * keys, sender_device_keys) with the device's most recently active session, when the
   * rules allow it, as a to_device request; the session is written in this batch.
   */
  private encrypt(
    envelope: { user_id: string; device_id: string; event_type: string; txn_id: string },
    content: Record<string, unknown>,
    inputSeq: number,
    state: LedgerState,
    made: MadeRequests,
  ): void {
    const verdict = encryptVerdict(state, envelope.user_id, envelope.device_id);
    if (verdict.ok) this.encryptWith(verdict, envelope, content, inputSeq, made);
  }

  private encryptWith(
    verdict: { curve25519: string; ed25519: string },
    envelope: { user_id: string; device_id: string; event_type: string; txn_id: string },
    content: Record<string, unknown>,
    inputSeq: number,
    made: MadeRequests,
  ): string | null {
    const own = this.account.identityKeys();
    const payload = {
      type: envelope.event_type,
      content,
      sender: this.account.userId,
      recipient: envelope.user_id,
      recipient_keys: { ed25519: verdict.ed25519 },
      keys: { ed25519: own.ed25519 },
      sender_device_keys: this.account.deviceKeys(),
    };
    const message = this.sessions.encrypt(verdict.curve25519, JSON.stringify(payload));
    if (message instanceof OlmFailure) return null;
    made.ops.push(...message.ops);
    const encrypted = { algorithm: OLM_V1, sender_key: own.curve25519, ciphertext: { [verdict.curve25519]: { type: message.type, body: message.body } } };
    made.facts.push({
      kind: 'olm_encrypted',
      payload: {
        input_seq: inputSeq, user_id: envelope.user_id, device_id: envelope.device_id, curve25519: verdict.curve25519,
        event_type: envelope.event_type, olm_session_id: message.sessionId, message_type: message.type, ciphertext_hash: sha256Hex(message.body),
      },
    });
    const id = this.newId();
    made.facts.push({
      kind: 'outgoing_request',
      payload: {
        id, type: 'to_device', input_seq: inputSeq, event_type: 'm.room.encrypted', txn_id: envelope.txn_id,
        body: { messages: { [envelope.user_id]: { [envelope.device_id]: encrypted } } },
      },
    });
    return id;
  }

  /** A keys_claim request for wedged devices (a new session replaces theirs). */
  private recover(inputSeq: number, state: LedgerState, made: MadeRequests): void {
    this.claimFor(devicesToRecover(state), inputSeq, made);
  }

  /** A keys_claim request for the devices of `users` we have no session with. */
  private claim(users: readonly string[], inputSeq: number, state: LedgerState, made: MadeRequests): void {
    this.claimFor(devicesWithoutSession(state, users), inputSeq, made);
  }

  private claimFor(devices: readonly { userId: string; deviceId: string }[], inputSeq: number, made: MadeRequests): void {
    if (devices.length === 0) return;
    const one_time_keys: Record<string, Record<string, 'signed_curve25519'>> = {};
    for (const { userId, deviceId } of devices) (one_time_keys[userId] ??= {})[deviceId] = 'signed_curve25519';
    made.facts.push({ kind: 'outgoing_request', payload: { id: this.newId(), type: 'keys_claim', input_seq: inputSeq, body: { one_time_keys } } });
  }

  /**
   * An outbound Olm session from each claimed key the rules accepted; the sessions are
   * written in this batch. The Curve25519 keys of the devices they were made with.
   */
  private openSessions(inputSeq: number, state: LedgerState, made: MadeRequests): Set<string> {
    const opened = new Set<string>();
    for (const claim of outboundState(state).claims) {
      const session = this.account.createOutboundSession(claim.curve25519, claim.oneTimeKey);
      if (session instanceof OlmFailure) continue;
      opened.add(claim.curve25519);
      made.ops.push(...this.sessions.addOutbound(claim.curve25519, session, inputSeq));
      made.facts.push({
        kind: 'olm_session_created',
        payload: { input_seq: inputSeq, user_id: claim.userId, device_id: claim.deviceId, curve25519: claim.curve25519, one_time_key: claim.oneTimeKey, session_id: session.sessionId() },
      });
      // A wedged session's replacement: the peer learns of it from an m.dummy over it.
      const device = isWedged(state, claim.curve25519) ? deviceRecord(state, claim.userId, claim.deviceId) : undefined;
      if (device !== undefined) {
        this.encryptWith({ curve25519: device.curve25519, ed25519: device.ed25519 }, { user_id: claim.userId, device_id: claim.deviceId, event_type: 'm.dummy', txn_id: this.newId() }, {}, inputSeq, made);
      }
    }
    return opened;
  }
}

/** `${userId} ${deviceId}` of every device a pending keys_claim request asks a key for. */
function claimingDevices(state: LedgerState): Set<string> {
  const claiming = new Set<string>();
  for (const r of outboundState(state).pending) {
    if (r.type !== 'keys_claim') continue;
    for (const [u, devices] of Object.entries(r.body.one_time_keys)) for (const d of Object.keys(devices)) claiming.add(`${u} ${d}`);
  }
  return claiming;
}

/**
 * Whether an input may call for a gossip step, told without folding: our own request
 * actions, a to-device event of a gossip type (or an Olm payload of one: `olmType`), a sync
 * (its to-device events), and a keys_claim response (a session for an answer we owe).
 */
function mayCallForGossip(envelope: Envelope, olmType: string | null): boolean {
  switch (envelope.kind) {
    case 'user_action':
      return envelope.action === 'send_room_key_request' || envelope.action === 'send_secret_request';
    case 'to_device':
      return GOSSIP_EVENT_TYPES.has(envelope.event.type) || (olmType !== null && GOSSIP_EVENT_TYPES.has(olmType));
    case 'sync':
    case 'keys_claim':
      return true;
    default:
      return false;
  }
}
