import type { EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmPeek, hmSet } from '../hashmap.js';
import { deviceRecord, deviceTrust } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import { outboundCodes, type OutboundCode } from './codes.js';
import { outboundState } from './selectors.js';
import type { OutboundState } from './state.js';

const record = recorderFor(outboundCodes);

/** Whether we may Olm-encrypt for a device now, and with which key; else the refusal's code. */
export type EncryptVerdict =
  | { ok: true; curve25519: string; ed25519: string; because: number[] }
  | { ok: false; code: OutboundCode; because: number[] };

/**
 * The rule `encryptToDevice` follows (the outbound path reads the same verdict): a device
 * listed by `/keys/query`, whose keys never changed and that is not blocked, with an Olm
 * session (claim one first).
 */
export function encryptVerdict(root: Readonly<Record<string, unknown>>, userId: string, deviceId: string): EncryptVerdict {
  const device = deviceRecord(root, userId, deviceId);
  if (device === undefined || device.deleted !== null) return { ok: false, code: 'to_device.unknown_device', because: [] };
  const trust = deviceTrust(root, userId, deviceId);
  if (device.keysChanged !== null || trust.level === 'blocked') return { ok: false, code: 'to_device.device_blocked', because: [device.addedSeq, trust.seq] };
  const session = hmPeek(outboundState(root).sessions, device.curve25519);
  if (session === undefined) return { ok: false, code: 'to_device.no_session', because: [device.addedSeq] };
  return { ok: true, curve25519: device.curve25519, ed25519: device.ed25519, because: [device.addedSeq, session.seq] };
}

/**
 * The client asked to encrypt for a device: a refusal is decided here; the acceptance on
 * the `olm_encrypted` fact, once it really was encrypted (an input given without its
 * content, by hand, encrypts nothing).
 */
export function foldEncryptToDevice(entry: EntryOf<'encrypt_to_device'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const verdict = encryptVerdict(ctx.root, p.user_id, p.device_id);
  if (!verdict.ok) record(ctx, verdict.code, subject('device', p.user_id, p.device_id), earlier(entry.seq, ...verdict.because), { event_type: p.event_type });
}

/** We encrypted with a session (the one last active with the device). */
export function foldOlmEncrypted(state: OutboundState, entry: EntryOf<'olm_encrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const session = hmPeek(state.sessions, p.curve25519);
  if (session === undefined) hmSet(state.sessions, p.curve25519, { seq: entry.seq });
  record(ctx, 'to_device.encrypted', subject('device', p.user_id, p.device_id), earlier(entry.seq, p.input_seq, session?.seq), { event_type: p.event_type, olm_session_id: p.olm_session_id });
}
