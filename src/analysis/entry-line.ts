import type { LedgerEntry } from '../../events/entry.js';
import { redactSecrets } from '../redact.js';

/**
 * One log entry as the analysis tools show it: where it is, when it came, what kind, and
 * one secret-free line about it. `inputSeq` is the input a fact was derived from (null
 * for an input: an envelope the client fed in).
 */
export interface EntryLine {
  readonly seq: number;
  /** `receivedAt` as ISO-8601 (`?` when it is not a valid time). */
  readonly time: string;
  readonly kind: string;
  readonly summary: string;
  readonly inputSeq: number | null;
}

type Payload = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: unknown): Payload => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : {});
/** Keys and session IDs are long base64: ten characters are enough to tell them apart by eye. */
const short = (v: unknown): string => {
  const s = str(v);
  return s === undefined ? '?' : s.length > 14 ? `${s.slice(0, 10)}…` : s;
};

/** The input a fact was derived from: facts carry `payload.input_seq`, inputs do not. */
export function inputSeqOf(entry: LedgerEntry): number | null {
  return num(obj(entry.payload).input_seq) ?? null;
}

function roomEvent(p: Payload): string {
  const event = obj(p.event);
  const content = obj(event.content);
  const parts = [str(event.type) ?? '?', `from ${str(event.sender) ?? '?'}`, `in ${str(p.room_id) ?? '?'}`, str(event.event_id) ?? '(no event_id)'];
  if (str(content.session_id)) parts.push(`(session ${short(content.session_id)})`);
  return parts.join(' ');
}

/**
 * Summaries by kind. Unknown kinds (from slices and ingesters added later) fall back to
 * their compact JSON, so nothing is hidden, just less readable.
 */
const summaries: Record<string, (p: Payload) => string> = {
  ledger_created: (p) => `log of ${str(p.user_id) ?? '?'} ${str(p.device_id) ?? '?'} (engine ${str(p.engine_version) ?? '?'})`,
  to_device: (p) => {
    const e = obj(p.event);
    const alg = str(obj(e.content).algorithm);
    return `${str(e.type) ?? '?'} from ${str(e.sender) ?? '?'}${alg ? ` (${alg})` : ''}`;
  },
  room_event: roomEvent,
  keys_query: (p) => {
    const r = obj(p.response);
    const users = new Set([...Object.keys(obj(r.device_keys)), ...Object.keys(obj(r.master_keys))]);
    return `/keys/query: ${[...users].sort().join(', ') || 'no users'}`;
  },
  backup_version: (p) => `backup version ${str(obj(p.response).version) ?? '?'}`,
  user_action: (p) => `user action ${str(p.action) ?? '?'}`,
  sync: (p) => {
    const lists = obj(p.device_lists);
    const n = (v: unknown) => (Array.isArray(v) ? v.length : 0);
    return `sync: ${num(p.to_device_events) ?? 0} to-device events, ${n(lists.changed)} changed, ${n(lists.left)} left, ${num(obj(p.device_one_time_keys_count).signed_curve25519) ?? 0} one-time keys`;
  },
  track_users: (p) => `track users ${Array.isArray(p.users) ? p.users.join(', ') : '?'}`,
  keys_upload: (p) => `/keys/upload response to ${str(p.request_id) ?? '?'}: ${num(obj(obj(p.response).one_time_key_counts).signed_curve25519) ?? 0} one-time keys`,
  missing_sessions: (p) => `missing sessions of ${Array.isArray(p.users) ? p.users.join(', ') : '?'}`,
  keys_claim: (p) => `/keys/claim response to ${str(p.request_id) ?? '?'}`,
  olm_session_created: (p) => `outbound Olm session ${short(p.session_id)} with ${str(p.user_id) ?? '?'} ${str(p.device_id) ?? '?'} after input ${num(p.input_seq) ?? '?'}`,
  encrypt_to_device: (p) => `encrypt ${str(p.event_type) ?? '?'} for ${str(p.user_id) ?? '?'} ${str(p.device_id) ?? '?'}`,
  to_device_sent: (p) => `/sendToDevice response to ${str(p.request_id) ?? '?'}`,
  olm_encrypted: (p) => `Olm-encrypted ${str(p.event_type) ?? '?'} for ${str(p.user_id) ?? '?'} ${str(p.device_id) ?? '?'} (session ${short(p.olm_session_id)}) of input ${num(p.input_seq) ?? '?'}`,
  share_room_key: (p) => `share the room key of ${str(p.room_id) ?? '?'} with ${Array.isArray(p.users) ? p.users.join(', ') : '?'} (${str(p.strategy) ?? '?'})`,
  encrypt_room_event: (p) => `encrypt ${str(p.event_type) ?? '?'} for ${str(p.room_id) ?? '?'}`,
  discard_room_key: (p) => `discard the room key of ${str(p.room_id) ?? '?'}`,
  megolm_session_created: (p) => `new outbound Megolm session ${short(p.session_id)} for ${str(p.room_id) ?? '?'} after input ${num(p.input_seq) ?? '?'}`,
  room_key_shared: (p) => {
    const n = (v: unknown) => (Array.isArray(v) ? v.length : 0);
    return `room key ${short(p.session_id)} of ${str(p.room_id) ?? '?'} at index ${num(p.message_index) ?? '?'}: sent to ${n(p.devices)} devices, withheld from ${n(p.withheld)}`;
  },
  megolm_encrypted: (p) => `Megolm-encrypted ${str(p.event_type) ?? '?'} in ${str(p.room_id) ?? '?'} (session ${short(p.session_id)} index ${num(p.message_index) ?? '?'}) of input ${num(p.input_seq) ?? '?'}`,
  cross_signing: (p) => `cross-signing ${str(p.action) ?? '?'}${str(p.device_id) !== null ? ` device ${str(p.device_id)}` : ''}${str(p.user_id) !== null ? ` user ${str(p.user_id)}` : ''}${str(p.source) !== null ? ` from ${str(p.source)}` : ''}`,
  own_cross_signing_keys: (p) => `own cross-signing keys held (${str(p.source) ?? '?'}): master ${short(p.master)} after input ${num(p.input_seq) ?? '?'}`,
  device_signing_upload: (p) => `/keys/device_signing/upload response to ${str(p.request_id) ?? '?'}`,
  signature_upload: (p) => `/keys/signatures/upload response to ${str(p.request_id) ?? '?'}: ${Object.keys(obj(obj(p.response).failures)).length} users with failures`,
  send_room_message: (p) => `send ${str(p.event_type) ?? '?'} to ${str(p.room_id) ?? '?'}${p.encrypted === true ? ' (encrypted)' : ''}`,
  room_message_sent: (p) => `room send response to ${str(p.request_id) ?? '?'}: ${str(obj(p.response).event_id) ?? '?'}`,
  outgoing_request: (p) => `request ${str(p.type) ?? '?'} ${str(p.id) ?? '?'} after input ${num(p.input_seq) ?? '?'}`,
  rejected_input: (p) => `rejected input: ${str(p.message) ?? '?'}`,
  olm_decrypted: (p) => {
    const type = str(obj(p.plaintext).type) ?? 'an invalid payload';
    return `Olm-decrypted ${type} from ${str(p.sender) ?? '?'} (sender key ${short(p.sender_key)}) of input ${num(p.input_seq) ?? '?'}`;
  },
  olm_undecryptable: (p) => `Olm decryption failed (${str(p.reason) ?? '?'}) from ${str(p.sender) ?? '?'} of input ${num(p.input_seq) ?? '?'}`,
  megolm_decrypted: (p) =>
    `decrypted ${str(p.event_id) ?? '?'}: session ${short(p.session_id)} index ${num(p.message_index) ?? '?'} with the key of seq ${num(p.key_seq) ?? '?'}`,
  megolm_undecryptable: (p) =>
    `not decrypted ${str(p.event_id) ?? '?'}: ${str(p.reason) ?? '?'} (session ${short(p.session_id)} index ${num(p.message_index) ?? '?'})`,
};

/** Describes an entry in one line, secrets redacted before anything is read from it. */
export function describeEntry(entry: LedgerEntry, max = 140): EntryLine {
  const redacted = redactSecrets(entry);
  const payload = obj(redacted.payload);
  const summarise = Object.prototype.hasOwnProperty.call(summaries, entry.kind) ? summaries[entry.kind]! : undefined;
  let text: string;
  try {
    text = summarise ? summarise(payload) : JSON.stringify(redacted.payload) ?? '';
  } catch {
    text = JSON.stringify(redacted.payload) ?? '';
  }
  text = text.replace(/\s+/g, ' ');
  const date = new Date(entry.receivedAt);
  return {
    seq: entry.seq,
    time: Number.isFinite(date.getTime()) ? date.toISOString() : '?',
    kind: entry.kind,
    summary: text.length <= max ? text : `${text.slice(0, max - 1)}…`,
    inputSeq: inputSeqOf(entry),
  };
}

/** The one entry at `seq`, or undefined. */
export async function entryAt(source: { entries(range: { from: number; to: number }): AsyncIterable<LedgerEntry> }, seq: number): Promise<LedgerEntry | undefined> {
  for await (const e of source.entries({ from: seq, to: seq })) return e;
  return undefined;
}
