/**
 * The outbound half of gossiping: after an input, what the `megolm` and `gossip` slices
 * say is due is sent — our requests (plain `m.room_key_request` / `m.secret.request` to
 * the devices the slice chose), their cancellations once answered, the answers we owe
 * (Olm-encrypted `m.forwarded_room_key` / `m.secret.send`, or a plain
 * `m.room_key.withheld`) — and an accepted secret is sealed in the vault. Each send is an
 * `outgoing_request` fact followed by a `gossip_sent` fact that closes what was due.
 * Keys and secrets are read from the vault here and go only into Olm ciphertext.
 */
import type { Envelope } from '../../events/envelope.js';
import type { GossipSentWhat } from '../../events/gossip.js';
import { MEGOLM_V1 } from '../../events/megolm.js';
import { deviceRecord } from '../../projections/identities/selectors.js';
import { answersDue, secretCancellationsDue, secretRequest, secretsToStore } from '../../projections/gossip/selectors.js';
import type { AnswerDue } from '../../projections/gossip/state.js';
import { keyRequest, keyRequestCancellationsDue, megolmSession } from '../../projections/megolm/selectors.js';
import { ANY_SENDER, type SessionRecord } from '../../projections/megolm/state.js';
import { OlmFailure } from '../crypto/failure.js';
import type { OwnAccount } from '../crypto/account.js';
import type { CrossSigningRole } from '../crypto/cross-signing.js';
import { crossSigningRoleOf } from '../../projections/gossip/selectors.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { MegolmKeys } from '../ingest/megolm-keys.js';
import type { LedgerState } from '../runtime/projector.js';
import type { SecretInbox } from '../secrets/inbox.js';
import { readSecret, storeSecret } from '../secrets/stored.js';
import type { MadeRequests } from './requests.js';

/** Olm-encrypts one event for one device into `made` (RequestMaker's rule); the outgoing request's id, or null without a session. */
export type EncryptFor = (
  device: { curve25519: string; ed25519: string },
  to: { user_id: string; device_id: string; event_type: string; txn_id: string },
  content: Record<string, unknown>,
  inputSeq: number,
  made: MadeRequests,
) => string | null;

/** What the gossip sender works with. */
export interface GossipParts {
  olm: typeof Olm;
  account: OwnAccount;
  vault: Vault;
  roomKeys: MegolmKeys;
  inbox: SecretInbox;
  newId: () => string;
  /** Our private cross-signing key of a role (held by the cross-signing step), for `m.cross_signing.*` secret requests. */
  crossSigningSeed: (role: CrossSigningRole) => string | undefined;
  encrypt: EncryptFor;
  /** A keys_claim for devices we owe an answer and have no Olm session with (none a pending claim in `state` covers). */
  claim: (devices: { userId: string; deviceId: string }[], state: LedgerState, inputSeq: number, made: MadeRequests) => void;
}

/** To-device event types whose arrival may call for a gossip step. */
export const GOSSIP_EVENT_TYPES: ReadonlySet<string> = new Set(['m.room_key_request', 'm.secret.request', 'm.secret.send', 'm.forwarded_room_key']);

export class GossipSender {
  constructor(private readonly parts: GossipParts) {}

  /** Sends what is due after `envelope` (logged at `inputSeq`), into `made`. */
  async after(envelope: Envelope, inputSeq: number, state: () => LedgerState, made: MadeRequests): Promise<void> {
    if (envelope.kind === 'user_action') this.sendOurRequest(envelope, inputSeq, state(), made);
    const s = state();
    this.storeSecrets(s, made);
    this.sendCancellations(s, inputSeq, made);
    const due = answersDue(s);
    const unsent: { userId: string; deviceId: string }[] = [];
    for (const answer of due) {
      if (!(await this.answer(answer, s, inputSeq, made))) unsent.push({ userId: answer.userId, deviceId: answer.deviceId });
    }
    // A session is claimed once, when the request arrives; the claim's response sends the answer.
    if (unsent.length > 0 && (envelope.kind === 'to_device' || envelope.kind === 'sync')) this.parts.claim(dedupe(unsent), s, inputSeq, made);
  }

  private sendOurRequest(envelope: Envelope & { kind: 'user_action' }, inputSeq: number, state: LedgerState, made: MadeRequests): void {
    const me = this.parts.account;
    if (envelope.action === 'send_room_key_request') {
      const request = keyRequest(state, envelope.room_id, envelope.sender_key ?? ANY_SENDER, envelope.session_id);
      if (request?.requestId !== envelope.request_id || request.asked === null || request.seq !== inputSeq) return;
      const body = { algorithm: MEGOLM_V1, room_id: envelope.room_id, session_id: envelope.session_id, ...(envelope.sender_key !== undefined ? { sender_key: envelope.sender_key } : {}) };
      const content = { action: 'request', body, requesting_device_id: me.deviceId, request_id: envelope.request_id };
      this.sendPlain('m.room_key_request', 'room_key_request', envelope.request_id, me.userId, request.asked.map((d) => d.deviceId), content, inputSeq, made);
    } else if (envelope.action === 'send_secret_request') {
      const request = secretRequest(state, envelope.request_id);
      if (request === undefined || request.seq !== inputSeq) return;
      const content = { action: 'request', name: envelope.name, requesting_device_id: me.deviceId, request_id: envelope.request_id };
      this.sendPlain('m.secret.request', 'secret_request', envelope.request_id, me.userId, request.asked.map((d) => d.deviceId), content, inputSeq, made);
    }
  }

  /** `request_cancellation` to every device asked but the one that answered. */
  private sendCancellations(state: LedgerState, inputSeq: number, made: MadeRequests): void {
    const me = this.parts.account;
    for (const { requestId, request, session } of keyRequestCancellationsDue(state)) {
      const others = (request.asked ?? []).filter((d) => d.curve25519 !== session?.source.viaCurveKey).map((d) => d.deviceId);
      const content = { action: 'request_cancellation', requesting_device_id: me.deviceId, request_id: requestId };
      this.sendPlain('m.room_key_request', 'room_key_request_cancellation', requestId, me.userId, others, content, inputSeq, made);
    }
    for (const { requestId, request } of secretCancellationsDue(state)) {
      const others = request.asked.filter((d) => d.deviceId !== request.answeredBy).map((d) => d.deviceId);
      const content = { action: 'request_cancellation', requesting_device_id: me.deviceId, request_id: requestId };
      this.sendPlain('m.secret.request', 'secret_request_cancellation', requestId, me.userId, others, content, inputSeq, made);
    }
  }

  /** Sends one answer we owe; false when there is no Olm session with the device yet. */
  private async answer(a: AnswerDue, state: LedgerState, inputSeq: number, made: MadeRequests): Promise<boolean> {
    if (a.what === 'room_key_withheld') {
      const content = {
        algorithm: MEGOLM_V1, room_id: a.roomId, session_id: a.sessionId, ...(a.senderKey !== null ? { sender_key: a.senderKey } : {}),
        code: a.withheld, reason: a.withheld === 'm.unverified' ? 'Your device is not verified' : 'This device does not have the key', from_device: this.parts.account.deviceId,
      };
      this.sendPlain('m.room_key.withheld', 'room_key_withheld', a.requestId, a.userId, [a.deviceId], content, inputSeq, made);
      return true;
    }
    const device = deviceRecord(state, a.userId, a.deviceId);
    if (device === undefined) return true;
    let type: string;
    let content: Record<string, unknown> | undefined;
    if (a.what === 'forwarded_room_key') {
      type = 'm.forwarded_room_key';
      const session = megolmSession(state, a.roomId, a.senderKey, a.sessionId);
      content = session === undefined ? undefined : await this.forwardedKey(session);
    } else {
      type = 'm.secret.send';
      const role = crossSigningRoleOf(a.name);
      const secret = (role !== null ? this.parts.crossSigningSeed(role) : undefined) ?? (await readSecret(this.parts.vault, a.name));
      content = secret === undefined ? undefined : { request_id: a.requestId, secret };
    }
    if (content === undefined) return true;
    const id = this.parts.encrypt(device, { user_id: a.userId, device_id: a.deviceId, event_type: type, txn_id: this.parts.newId() }, content, inputSeq, made);
    if (id === null) return false;
    made.facts.push({ kind: 'gossip_sent', payload: { input_seq: inputSeq, what: a.what, request_id: a.requestId, user_id: a.userId, device_ids: [a.deviceId], outgoing_id: id } });
    return true;
  }

  /** The `m.forwarded_room_key` content of a stored session: its key at our first known index, the chain extended by whoever gave it to us. */
  private async forwardedKey(session: SessionRecord): Promise<Record<string, unknown> | undefined> {
    const inbound = await this.parts.roomKeys.session(session.keySeq);
    if (inbound === undefined) return undefined;
    const exported = inbound.exportAt(session.firstKnownIndex);
    if (exported instanceof OlmFailure) return undefined;
    const chain = [...(session.forwardingChain ?? []), ...(session.source.type === 'forwarded' && session.source.viaCurveKey !== null ? [session.source.viaCurveKey] : [])];
    return {
      algorithm: MEGOLM_V1, room_id: session.roomId, sender_key: session.senderKey, session_id: session.sessionId, session_key: exported,
      sender_claimed_ed25519_key: session.claimedEd25519 ?? this.parts.account.identityKeys().ed25519,
      forwarding_curve25519_key_chain: chain,
    };
  }

  /** Accepted `m.secret.send`: the secret, held since its decryption, sealed in the vault. */
  private storeSecrets(state: LedgerState, made: MadeRequests): void {
    for (const s of secretsToStore(state)) {
      const secret = this.parts.inbox.take(s.seq);
      if (secret === undefined) continue;
      const { op, fact } = storeSecret(this.parts.olm, this.parts.vault, s.name, secret, 'secret_send', s.requestId);
      made.ops.push(op);
      made.facts.push(fact);
    }
  }

  private sendPlain(
    eventType: string, what: GossipSentWhat, requestId: string, userId: string, deviceIds: readonly string[], content: Record<string, unknown>, inputSeq: number, made: MadeRequests,
  ): void {
    const id = this.parts.newId();
    if (deviceIds.length > 0) {
      const messages: Record<string, Record<string, unknown>> = { [userId]: Object.fromEntries(deviceIds.map((d) => [d, content])) };
      made.facts.push({ kind: 'outgoing_request', payload: { id, type: 'to_device', input_seq: inputSeq, event_type: eventType, txn_id: this.parts.newId(), body: { messages } } });
    }
    // Logged even when there was no one left to tell, so it is no longer due.
    made.facts.push({ kind: 'gossip_sent', payload: { input_seq: inputSeq, what, request_id: requestId, user_id: userId, device_ids: [...deviceIds], outgoing_id: id } });
  }
}

function dedupe(devices: { userId: string; deviceId: string }[]): { userId: string; deviceId: string }[] {
  const seen = new Map<string, { userId: string; deviceId: string }>();
  for (const d of devices) seen.set(`${d.userId} ${d.deviceId}`, d);
  return [...seen.values()];
}
