/**
 * The outbound side of verification: what a flow owes (`flow.owed`, decided by the
 * `verification` slice) made into messages (`outgoing_request` to-device facts, sent in
 * the clear as the Rust SDK does) and into the facts only the SAS secret can give
 * (`sas_computed`, `sas_mac_checked`). The secrets live here, in memory, one per flow.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OutgoingRequestPayload } from '../../events/outbound.js';
import type { SasComputedPayload, SasMacCheckedPayload } from '../../events/verification-actions.js';
import type { MegolmEncryptedPayload } from '../../events/megolm-out.js';
import { HASH, KEY_AGREEMENT, MAC_LEGACY, MAC_V2, SAS_METHODS, SAS_V1, recipients } from '../../projections/verification/flow.js';
import type { Flow, Owed, VerificationState } from '../../projections/verification/state.js';
import { wireId } from '../../projections/verification/steps.js';
import { identityDetail } from '../../projections/identities/selectors.js';
import type { Olm } from '../crypto/olm.js';
import { SasSecret, type SasMacMethod } from '../crypto/sas.js';
import type { LedgerState } from '../runtime/projector.js';

/** A fact the agent hands to the writer. */
export type VerificationFact =
  | { kind: 'outgoing_request'; payload: OutgoingRequestPayload }
  | { kind: 'megolm_encrypted'; payload: MegolmEncryptedPayload }
  | { kind: 'sas_computed'; payload: SasComputedPayload }
  | { kind: 'sas_mac_checked'; payload: SasMacCheckedPayload };

/** Unpadded base64 of SHA-256: the commitment hash of `m.sas.v1` with `sha256`. */
function commitmentOf(publicKey: string, startCanonical: string): string {
  return createHash('sha256').update(publicKey + startCanonical, 'utf8').digest('base64').replace(/=+$/, '');
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Signs what a done flow verified with our cross-signing key (`signature_upload`), or
 * gives nothing when we cannot. The one place the agent reaches our cross-signing keys.
 */
export type VerifiedSigner = (request: { action: 'sign_device'; device_id: string } | { action: 'sign_user'; user_id: string }, inputSeq: number, state: LedgerState) => VerificationFact[] | null;

/**
 * Megolm-encrypts a room event with the room's current outbound session, when the ledger
 * has one the rules let it use (the `megolm_encrypted` fact and the encrypted content), or
 * null: the room is not known to be encrypted, or its session must be rotated first.
 */
export type RoomEncrypter = (roomId: string, eventType: string, content: Record<string, unknown>, inputSeq: number, state: LedgerState, receivedAt: number) =>
  { fact: { kind: 'megolm_encrypted'; payload: MegolmEncryptedPayload }; content: Record<string, unknown> } | null;

/** What our device is. */
export interface OwnSide {
  readonly userId: string;
  readonly deviceId: string;
  readonly ed25519: string;
}

export class VerificationAgent {
  private readonly secrets = new Map<string, SasSecret>();
  /** Flows whose signing was attempted and made nothing (no key to sign with): not asked again. */
  private readonly unsigned = new Set<string>();
  /** The state and time of the step being paid (an in-room message is encrypted by them). */
  private at: { state: LedgerState; receivedAt: number } | null = null;

  constructor(
    private readonly olm: typeof Olm,
    private readonly me: OwnSide,
    private readonly sign: VerifiedSigner,
    private readonly newId: () => string = randomUUID,
    private readonly encryptRoom: RoomEncrypter = () => null,
  ) {}

  /**
   * The facts that pay the first thing some flow owes, or null when nothing is owed. The
   * writer folds them and asks again, so a step that makes the next one due (our key,
   * then the SAS) is paid in the same batch.
   */
  next(state: LedgerState, inputSeq: number, receivedAt: number): VerificationFact[] | null {
    const v = state['verification'] as VerificationState | undefined;
    if (v === undefined) return null;
    this.forgetFinished(v);
    for (const id of v.owing) {
      const flow = Object.prototype.hasOwnProperty.call(v.flows, id) ? v.flows[id]! : undefined;
      const item = flow?.owed[0];
      if (flow === undefined || item === undefined) continue;
      if (item.type === 'sign') {
        if (this.unsigned.has(flow.id)) continue;
        const signed = this.sign(item.action === 'sign_device' ? { action: 'sign_device', device_id: item.deviceId } : { action: 'sign_user', user_id: item.userId }, inputSeq, state);
        if (signed !== null && signed.length > 0) return signed;
        this.unsigned.add(flow.id);
        continue;
      }
      this.at = { state, receivedAt };
      return this.pay(state, flow, item, inputSeq, receivedAt);
    }
    return null;
  }

  private forgetFinished(v: VerificationState): void {
    for (const [id, secret] of this.secrets) {
      const flow = Object.prototype.hasOwnProperty.call(v.flows, id) ? v.flows[id] : undefined;
      if (flow === undefined || flow.outcome !== null) {
        secret.free();
        this.secrets.delete(id);
      }
    }
  }

  private send(flow: Flow, type: string, devices: readonly string[], content: Record<string, unknown>, inputSeq: number): VerificationFact[] {
    if (flow.transport === 'in_room') return this.sendInRoom(flow, type, content, inputSeq);
    const full = { ...content, transaction_id: flow.id };
    const byDevice: Record<string, unknown> = {};
    for (const d of devices) byDevice[d] = full;
    return [{
      kind: 'outgoing_request',
      payload: { id: this.newId(), type: 'to_device', input_seq: inputSeq, event_type: `m.key.verification.${type}`, txn_id: this.newId(), body: { messages: { [flow.otherUserId]: byDevice } } },
    }];
  }

  /**
   * An in-room message: the request as an `m.room.message` (its transaction ID is the
   * flow's, so the slice finds the flow when it sees the request), every later step
   * pointing at the request event with `m.reference`.
   */
  private sendInRoom(flow: Flow, type: string, content: Record<string, unknown>, inputSeq: number): VerificationFact[] {
    const roomId = flow.roomId ?? '';
    let eventType: string;
    let body: Record<string, unknown>;
    // The request's transaction ID is the flow's: the slice finds the flow by it.
    let txnId = this.newId();
    if (type === 'request') {
      const { timestamp: _ts, ...rest } = content;
      eventType = 'm.room.message';
      body = { msgtype: 'm.key.verification.request', body: `${this.me.userId} is requesting to verify your key, but your client does not support in-chat key verification.`, to: flow.otherUserId, ...rest };
      txnId = flow.id;
    } else {
      eventType = `m.key.verification.${type}`;
      body = { ...content, 'm.relates_to': { rel_type: 'm.reference', event_id: flow.eventId ?? '' } };
    }
    // In a room we hold an outbound Megolm session for, the event is encrypted (its
    // plaintext rides beside the ciphertext in the log: not secret, and our side of the
    // flow is folded from it). The relation stays visible, as the spec wants for m.reference.
    const encrypted = this.at === null ? null : this.encryptRoom(roomId, eventType, body, inputSeq, this.at.state, this.at.receivedAt);
    if (encrypted !== null) {
      const relates = type === 'request' ? {} : { 'm.relates_to': body['m.relates_to'] };
      return [encrypted.fact, {
        kind: 'outgoing_request',
        payload: { id: this.newId(), type: 'room_message', input_seq: inputSeq, room_id: roomId, event_type: 'm.room.encrypted', txn_id: txnId, body: { ...encrypted.content, ...relates }, verification: { type: eventType, content: body } },
      }];
    }
    return [{ kind: 'outgoing_request', payload: { id: this.newId(), type: 'room_message', input_seq: inputSeq, room_id: roomId, event_type: eventType, txn_id: txnId, body } }];
  }

  /** The SAS secret is gone (the engine restarted mid-flow): the flow cannot go on. */
  private lost(flow: Flow, inputSeq: number): VerificationFact[] {
    return this.send(flow, 'cancel', recipients(flow), { code: 'm.user', reason: 'the SAS secret was lost (the client restarted)' }, inputSeq);
  }

  private secret(flow: Flow, create: boolean): SasSecret | undefined {
    let s = this.secrets.get(flow.id);
    if (s === undefined && create) this.secrets.set(flow.id, (s = new SasSecret(this.olm)));
    return s;
  }

  private pay(state: LedgerState, flow: Flow, item: Owed, inputSeq: number, receivedAt: number): VerificationFact[] {
    const from_device = this.me.deviceId;
    switch (item.type) {
      case 'request':
        return this.send(flow, 'request', item.devices, { from_device, methods: [SAS_V1], timestamp: receivedAt }, inputSeq);
      case 'ready':
        return this.send(flow, 'ready', recipients(flow), { from_device, methods: [SAS_V1] }, inputSeq);
      case 'start':
        return this.send(flow, 'start', recipients(flow), {
          from_device, method: SAS_V1, key_agreement_protocols: [KEY_AGREEMENT], hashes: [HASH],
          message_authentication_codes: [MAC_V2, MAC_LEGACY], short_authentication_string: [...SAS_METHODS],
        }, inputSeq);
      case 'accept': {
        const accept = flow.accept!;
        const secret = this.secret(flow, true)!;
        return this.send(flow, 'accept', recipients(flow), {
          method: SAS_V1, key_agreement_protocol: accept.keyAgreement, hash: accept.hash, message_authentication_code: accept.macMethod,
          short_authentication_string: [...accept.sas], commitment: commitmentOf(secret.publicKey(), flow.start!.canonical),
        }, inputSeq);
      }
      case 'key': {
        // The starter makes its secret now; the accepter made it for its commitment.
        const secret = this.secret(flow, flow.start?.byUs === true);
        return secret === undefined ? this.lost(flow, inputSeq) : this.send(flow, 'key', recipients(flow), { key: secret.publicKey() }, inputSeq);
      }
      case 'sas': {
        const secret = this.secret(flow, false);
        if (secret === undefined || flow.ourKey === null || flow.theirKey === null) return this.lost(flow, inputSeq);
        secret.setTheirKey(flow.theirKey);
        const weStarted = flow.start!.byUs;
        const starter = weStarted ? [this.me.userId, this.me.deviceId, flow.ourKey] : [flow.otherUserId, flow.otherDeviceId ?? '', flow.theirKey];
        const accepter = weStarted ? [flow.otherUserId, flow.otherDeviceId ?? '', flow.theirKey] : [this.me.userId, this.me.deviceId, flow.ourKey];
        const info = `MATRIX_KEY_VERIFICATION_SAS|${starter.join('|')}|${accepter.join('|')}|${wireId(flow)}`;
        const payload: SasComputedPayload = {
          input_seq: inputSeq, flow_id: flow.id, our_key: flow.ourKey, their_key: flow.theirKey,
          commitment_ok: weStarted ? commitmentOf(flow.theirKey, flow.start!.canonical) === flow.accept?.commitment : null,
          sas_bytes: hex(secret.bytes(info, 6)),
        };
        return [{ kind: 'sas_computed', payload }];
      }
      case 'check_mac': {
        const secret = this.secret(flow, false);
        if (secret === undefined) return this.lost(flow, inputSeq);
        const method = flow.accept!.macMethod as SasMacMethod;
        const base = `MATRIX_KEY_VERIFICATION_MAC${flow.otherUserId}${flow.otherDeviceId ?? ''}${this.me.userId}${this.me.deviceId}${wireId(flow)}`;
        const keyIds = Object.keys(item.mac).sort();
        const keys = keyIds.map((keyId) => {
          const pin = (flow.pinned ?? []).find((k) => k.keyId === keyId);
          return { key_id: keyId, public_key: pin?.publicKey ?? null, ok: pin !== undefined && secret.mac(method, pin.publicKey, base + keyId) === item.mac[keyId] };
        });
        const payload: SasMacCheckedPayload = {
          input_seq: inputSeq, flow_id: flow.id, mac_method: method, key_ids_ok: secret.mac(method, keyIds.join(','), `${base}KEY_IDS`) === item.keys, keys,
        };
        return [{ kind: 'sas_mac_checked', payload }];
      }
      case 'mac': {
        const secret = this.secret(flow, false);
        if (secret === undefined) return this.lost(flow, inputSeq);
        const method = flow.accept!.macMethod as SasMacMethod;
        const base = `MATRIX_KEY_VERIFICATION_MAC${this.me.userId}${this.me.deviceId}${flow.otherUserId}${flow.otherDeviceId ?? ''}${wireId(flow)}`;
        const ours: Record<string, string> = { [`ed25519:${this.me.deviceId}`]: this.me.ed25519 };
        // Our master key, when our identity is one we trust: the other side may then verify our user.
        const own = identityDetail(state, this.me.userId);
        if (own.masterKey !== null && own.level === 'verified') ours[`ed25519:${own.masterKey}`] = own.masterKey;
        const mac: Record<string, string> = {};
        for (const [keyId, publicKey] of Object.entries(ours)) mac[keyId] = secret.mac(method, publicKey, base + keyId);
        const keys = secret.mac(method, Object.keys(ours).sort().join(','), `${base}KEY_IDS`);
        return this.send(flow, 'mac', recipients(flow), { mac, keys }, inputSeq);
      }
      case 'done':
        return this.send(flow, 'done', recipients(flow), {}, inputSeq);
      case 'cancel':
        return this.send(flow, 'cancel', item.devices, { code: item.wireCode, reason: item.reason }, inputSeq);
      case 'sign':
        return []; // paid in next(), through the signer
      default: {
        const never: never = item;
        return never;
      }
    }
  }

  free(): void {
    for (const s of this.secrets.values()) s.free();
    this.secrets.clear();
  }
}
