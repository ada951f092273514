/**
 * The outbound side of verification: what a flow owes (`flow.owed`, decided by the
 * `verification` slice) made into messages (`outgoing_request` to-device facts, sent in
 * the clear as the Rust SDK does) and into the facts only the SAS secret can give
 * (`sas_computed`, `sas_mac_checked`). The secrets live here, in memory, one per flow.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { OutgoingRequestPayload } from '../../events/outbound.js';
import type { QrSecretCheckedPayload, SasComputedPayload, SasMacCheckedPayload } from '../../events/verification-actions.js';
import { HASH, KEY_AGREEMENT, MAC_LEGACY, MAC_V2, QR_SCAN, QR_SHOW, RECIPROCATE, SAS_METHODS, SAS_V1, recipients } from '../../projections/verification/flow.js';
import { qrMode } from '../../projections/verification/qr.js';
import type { MegolmEncryptedPayload } from '../../events/megolm-out.js';
import type { Flow, Owed, VerificationState } from '../../projections/verification/state.js';
import { qrMutual, wireId } from '../../projections/verification/steps.js';
import { identityDetail } from '../../projections/identities/selectors.js';
import type { Olm } from '../crypto/olm.js';
import { SasSecret, type SasMacMethod } from '../crypto/sas.js';
import type { LedgerState } from '../runtime/projector.js';

/** A fact the agent hands to the writer. */
export type VerificationFact =
  | { kind: 'outgoing_request'; payload: OutgoingRequestPayload }
  | { kind: 'megolm_encrypted'; payload: MegolmEncryptedPayload }
  | { kind: 'sas_computed'; payload: SasComputedPayload }
  | { kind: 'sas_mac_checked'; payload: SasMacCheckedPayload }
  | { kind: 'qr_secret_checked'; payload: QrSecretCheckedPayload };

/** What the log holds in place of the secret of a reciprocate start we send. */
export const SEALED_SECRET = '[sealed]';

/** Why no QR code can be shown for a flow. */
export class QrUnavailableError extends Error {
  constructor(readonly flowId: string, reason: string) {
    super(`no QR code for verification ${flowId}: ${reason}`);
    this.name = 'QrUnavailableError';
  }
}

/** Unpadded (or padded) base64 of a 32-byte public key, as bytes; null when it is not one. */
function key32(b64: string | null | undefined): Buffer | null {
  if (typeof b64 !== 'string') return null;
  const b = Buffer.from(b64, 'base64');
  return b.length === 32 ? b : null;
}

/**
 * The binary segment of a QR code (spec "QR code format"): `MATRIX`, version 0x02, the
 * mode, the flow's ID (2-byte big-endian length, UTF-8), the two keys, the shared secret.
 */
export function qrPayload(mode: 0 | 1 | 2, flowId: string, first: Uint8Array, second: Uint8Array, secret: Uint8Array): Uint8Array {
  const id = Buffer.from(flowId, 'utf8');
  const head = Buffer.alloc(10);
  head.write('MATRIX', 0, 'ascii');
  head[6] = 0x02;
  head[7] = mode;
  head.writeUInt16BE(id.length, 8);
  return new Uint8Array(Buffer.concat([head, id, first, second, secret]));
}

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

/** The methods our request or ready offers: SAS, and showing and scanning QR codes when the user asked for it. */
function methodsOf(flow: Flow): string[] {
  return flow.qr ? [SAS_V1, QR_SHOW, QR_SCAN, RECIPROCATE] : [SAS_V1];
}

export class VerificationAgent {
  private readonly secrets = new Map<string, SasSecret>();
  /** The shared secret of the QR code we show, per flow (memory only: a restart loses it, and a scan of the old code then fails). */
  private readonly qrSecrets = new Map<string, Buffer>();
  /** Secrets of received reciprocate starts, by their entry's seq, until checked (the log never has them). */
  private readonly receivedQr = new Map<number, string>();

  /** The secret of the code we scanned, per flow, until our reciprocate start is made. */
  private readonly scannedQr = new Map<string, string>();
  /** Our reciprocate starts' secrets by request ID: the log has `[sealed]`, the client gets the real one. */
  private readonly sentQr = new Map<string, string>();

  holdScannedQrSecret(flowId: string, secret: Uint8Array): void {
    this.scannedQr.set(flowId, Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    for (const k of this.scannedQr.keys()) if (this.scannedQr.size > 16) this.scannedQr.delete(k);
  }

  /** The secret an outgoing reciprocate start carries (by request ID), or undefined. */
  sentQrSecret(requestId: string): string | undefined {
    return this.sentQr.get(requestId);
  }

  forgetSentQr(requestId: string): void {
    this.sentQr.delete(requestId);
  }

  holdReceivedQrSecret(seq: number, secret: string): void {
    this.receivedQr.set(seq, secret);
    // Bounded: only the few latest are kept (each is checked in the batch it came in).
    for (const k of this.receivedQr.keys()) if (this.receivedQr.size > 16) this.receivedQr.delete(k);
  }
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
    // Asked after every input that may move a flow (each room message among them): nothing
    // owed and nothing held is the usual answer, found without a pass over either.
    if (v.owing.length === 0 && this.qrSecrets.size === 0 && this.secrets.size === 0) return null;
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

  /**
   * The QR code of a flow, for the client to draw: the keys pinned when the flow became
   * ready, in the mode the flow is in, with a random shared secret made once per flow.
   */
  qrCode(state: LedgerState, flowId: string): Uint8Array {
    const v = state['verification'] as VerificationState | undefined;
    const flow = v !== undefined && Object.prototype.hasOwnProperty.call(v.flows, flowId) ? v.flows[flowId]! : undefined;
    if (flow === undefined) throw new QrUnavailableError(flowId, 'no such flow');
    if (flow.outcome !== null || flow.phase !== 'ready') throw new QrUnavailableError(flowId, `the flow is ${flow.phase}, not ready`);
    if (!qrMutual(flow)) throw new QrUnavailableError(flowId, 'QR codes were not offered by us (option qr) or the other device cannot scan');
    const id = wireId(flow);
    if (id === null) throw new QrUnavailableError(flowId, 'the request event is not sent yet');
    const pinned = flow.pinned ?? [];
    const device = key32(pinned.find((k) => k.role === 'device')?.publicKey);
    const master = key32(pinned.find((k) => k.role === 'master')?.publicKey);
    const mode = qrMode(state, flow);
    const ownMaster = mode === 0 ? key32(identityDetail(state, this.me.userId).masterKey) : master;
    const [first, second] = mode === 0 ? [ownMaster, master] : mode === 1 ? [master, device] : [key32(this.me.ed25519), master];
    if (first === null || second === null) throw new QrUnavailableError(flowId, mode === 0 && ownMaster === null ? 'we have no master key' : 'a key the code carries is not known');
    let secret = this.qrSecrets.get(flow.id);
    if (secret === undefined) this.qrSecrets.set(flow.id, (secret = randomBytes(16)));
    return qrPayload(mode, id, first, second, secret);
  }

  private forgetFinished(v: VerificationState): void {
    for (const id of [...this.qrSecrets.keys()]) {
      const flow = Object.prototype.hasOwnProperty.call(v.flows, id) ? v.flows[id] : undefined;
      if (flow === undefined || flow.outcome !== null) this.qrSecrets.delete(id);
    }
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
        return this.send(flow, 'request', item.devices, { from_device, methods: methodsOf(flow), timestamp: receivedAt }, inputSeq);
      case 'ready':
        return this.send(flow, 'ready', recipients(flow), { from_device, methods: methodsOf(flow) }, inputSeq);
      case 'check_qr': {
        const ours = this.qrSecrets.get(flow.id);
        const received = this.receivedQr.get(item.seq);
        this.receivedQr.delete(item.seq);
        const theirs = Buffer.from(received ?? '', 'base64');
        const ok = ours !== undefined && theirs.length === ours.length && timingSafeEqual(theirs, ours);
        return [{ kind: 'qr_secret_checked', payload: { input_seq: inputSeq, flow_id: flow.id, ok } }];
      }
      case 'start':
        if (item.reciprocate === true) {
          const secret = this.scannedQr.get(flow.id);
          this.scannedQr.delete(flow.id);
          if (secret === undefined) return this.lost(flow, inputSeq);
          const facts = this.send(flow, 'start', recipients(flow), { from_device, method: RECIPROCATE, secret: SEALED_SECRET }, inputSeq);
          const request = facts[0]!.payload as { id: string };
          this.sentQr.set(request.id, secret);
          for (const k of this.sentQr.keys()) if (this.sentQr.size > 16) this.sentQr.delete(k);
          return facts;
        }
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
    this.qrSecrets.clear();
    this.receivedQr.clear();
    this.scannedQr.clear();
    this.sentQr.clear();
  }

}

/** A scanned QR code, parsed (spec "QR code format"); throws {@link QrInvalidError}. */
export interface ScannedQr {
  readonly mode: number;
  readonly flowId: string;
  readonly firstKey: string;
  readonly secondKey: string;
  readonly secret: Uint8Array;
}

export class QrInvalidError extends Error {
  constructor(reason: string) {
    super(`not a Matrix verification QR code: ${reason}`);
    this.name = 'QrInvalidError';
  }
}

const unpadded = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');

export function parseQrPayload(bytes: Uint8Array): ScannedQr {
  const b = Buffer.from(bytes);
  if (b.length > 4096) throw new QrInvalidError('too long');
  if (b.length < 10 || b.subarray(0, 6).toString('latin1') !== 'MATRIX') throw new QrInvalidError('no MATRIX prefix');
  if (b[6] !== 0x02) throw new QrInvalidError(`version ${b[6]}`);
  const mode = b[7]!;
  if (mode > 2) throw new QrInvalidError(`mode ${mode}`);
  const len = b.readUInt16BE(8);
  const rest = 10 + len;
  if (b.length < rest + 64 + 1) throw new QrInvalidError('too short');
  return {
    mode, flowId: b.subarray(10, rest).toString('utf8'),
    firstKey: unpadded(b.subarray(rest, rest + 32)), secondKey: unpadded(b.subarray(rest + 32, rest + 64)),
    secret: new Uint8Array(b.subarray(rest + 64)),
  };
}
