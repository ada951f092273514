import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeEnvelope, type Envelope, type SyncEnvelope } from '../../events/envelope.js';
import type { RejectedInputPayload } from '../../events/entry.js';
import { canonicalJson } from '../canonical.js';
import { SEALED, countSecrets, takeOutSecrets } from '../secrets/walk.js';
import { DEFAULT_MAX_INPUT_BYTES, inputText, truncate, type InputLimits } from './input-text.js';
import { MAX_JSON_DEPTH, scanJson } from './json-bounds.js';
import { redactRawPattern, redactSecrets } from '../redact.js';

/**
 * Seals a secret with the store key for a field of the log (bound to that field), or
 * returns null when the ledger has no store key (then the secret is not logged at all).
 */
export type SecretSealer = (plaintext: string, field: 'sealed_content' | 'raw_sealed') => string | null;

/** Marks where a secret was taken out of a logged input. */
export const SEALED_MARK = SEALED;

/** An input turned into the payload of its entry, encoded once. */
export interface PreparedEntry {
  receivedAt: number;
  kind: string;
  /** The payload's canonical JSON: hashed and stored as is. */
  payloadText: string;
  /** The payload as the reducers see it: never the caller's own object. */
  payload: unknown;
  /** The decoded envelope, when the input was valid. */
  envelope?: Envelope;
  /**
   * A `sync` envelope's to-device events, taken out of its payload: each is logged as a
   * `to_device` input of its own right after it.
   */
  toDevice?: readonly unknown[];
  /**
   * The shared secret of a received `m.key.verification.start` with `m.reciprocate.v1`
   * (to-device, where the log seals it, or in a room): handed to the verification agent in
   * memory, to compare with the QR code we showed. Never logged.
   */
  qrSecret?: string;
}

/** The secret of a reciprocate start, read from the envelope as received (bounded). */
function reciprocateSecret(envelope: Envelope): string | undefined {
  if (envelope.kind !== 'to_device' && envelope.kind !== 'room_event') return undefined;
  const event = envelope.event as { type?: unknown; content?: unknown };
  if (event.type !== 'm.key.verification.start' || event.content === null || typeof event.content !== 'object') return undefined;
  const content = event.content as { method?: unknown; secret?: unknown };
  return content.method === 'm.reciprocate.v1' && typeof content.secret === 'string' && content.secret.length <= 512 ? content.secret : undefined;
}

/**
 * Decodes one input (an envelope object, its JSON text, or that text's UTF-8 bytes) into
 * the entry it becomes. Never throws: anything that is not a valid, encodable envelope
 * becomes a `rejected_input` entry with the raw text and the decoder's path.
 *
 * Whatever the caller passes is first turned into text (a caller's object is serialised
 * once, so a `toJSON` or getter cannot show the decoder one thing and the log another);
 * the text is bounded (size, nesting, duplicate keys, integer range) before anything
 * walks it; and the payload folded is parsed from text, as a replay will read it.
 */
export function prepareInput(input: unknown, now: () => number, seal: SecretSealer = () => null, limits: InputLimits = {}): PreparedEntry {
  const read = inputText(input, limits.maxBytes ?? DEFAULT_MAX_INPUT_BYTES);
  if ('message' in read) return rejected(read.raw, '', read.message, now(), seal, read.extra);
  const { text, canonical, parsed } = read;
  let value: unknown;
  if (parsed !== undefined) {
    // A caller's value, copied within the bounds as it was serialised: the copy is the text parsed.
    value = parsed.value;
  } else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      return rejected(text, '', `invalid JSON${jsonErrorPosition(err)}`, now(), seal);
    }
    const problem = scanJson(text, MAX_JSON_DEPTH, !canonical);
    if (problem !== null) {
      return rejected(text, problem.path, problem.message, receivedAtOf(value) ?? now(), seal, { code: `input.${problem.kind}` });
    }
  }
  const decoded = decodeEnvelope(value);
  if (isLeft(decoded)) return rejected(text, decoded.left.path, decoded.left.message, receivedAtOf(value) ?? now(), seal);
  if (decoded.right.kind === 'sync') return prepareSync(decoded.right, now);
  let payloadText: string;
  let payload: Envelope;
  try {
    const withoutSecrets = sealSecrets(decoded.right, seal);
    // Canonical text parsed and encoded again is the same text: no need to encode it twice.
    payloadText = canonical && withoutSecrets === decoded.right ? text : canonicalJson(withoutSecrets);
    // The value was parsed here from text, so it is ours and reads as a replay will read
    // the canonical text back; a copy with secrets taken out is read back from its text.
    payload = withoutSecrets === decoded.right ? decoded.right : (JSON.parse(payloadText) as Envelope);
  } catch (err) {
    return rejected(text, '', `not encodable as canonical JSON: ${truncate((err as Error).message)}`, receivedAtOf(value) ?? now(), seal);
  }
  const envelope = payload;
  const receivedAt = typeof envelope.received_at === 'number' ? envelope.received_at : now();
  const qrSecret = reciprocateSecret(decoded.right);
  // (No spread of an empty object: every input comes through here.)
  const prepared: PreparedEntry = { receivedAt, kind: envelope.kind, payloadText, payload, envelope };
  if (qrSecret !== undefined) prepared.qrSecret = qrSecret;
  return prepared;
}

/**
 * A `sync` envelope: logged without its to-device events (their number instead), which
 * the writer logs one by one after it, each decoded and sealed as a lone `to_device`.
 */
function prepareSync(envelope: SyncEnvelope, now: () => number): PreparedEntry {
  const { to_device: toDevice, ...rest } = envelope;
  const events = toDevice?.events ?? [];
  const logged: SyncEnvelope = { ...rest, to_device_events: events.length };
  const payloadText = canonicalJson(logged);
  const receivedAt = typeof envelope.received_at === 'number' ? envelope.received_at : now();
  const payload = JSON.parse(payloadText) as SyncEnvelope;
  return { receivedAt, kind: 'sync', payloadText, payload, envelope: payload, toDevice: events };
}

/** The envelope's own `received_at`, when the parsed value has a valid one. */
function receivedAtOf(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(value, 'received_at')) return undefined;
  const at = (value as { received_at?: unknown }).received_at;
  return typeof at === 'number' && Number.isSafeInteger(at) && at >= 0 ? at : undefined;
}

/**
 * A `rejected_input` entry. Lone surrogates are replaced, so the raw text stays encodable;
 * a secret in the raw text is redacted there and the whole text kept sealed beside it
 * (`raw_sealed`, only with a store key; a `raw_base64` that may hold it is sealed too).
 */
export function rejected(
  raw: string,
  path: string,
  message: string,
  receivedAt: number,
  seal: SecretSealer = () => null,
  extra: { code?: string; raw_base64?: string; length?: number; sha256?: string } = {},
): PreparedEntry {
  const text = raw.toWellFormed();
  const redacted = redactedRaw(text);
  const secret = redacted !== text;
  const sealed = secret ? seal(extra.raw_base64 !== undefined ? `base64:${extra.raw_base64}` : text, 'raw_sealed') : null;
  const { raw_base64: base64, ...rest } = extra;
  const payload: RejectedInputPayload = {
    raw: secret ? redacted : text,
    path: path.toWellFormed(),
    message: message.toWellFormed(),
    ...(sealed !== null ? { raw_sealed: sealed } : {}),
    ...rest,
    ...(base64 !== undefined && !secret ? { raw_base64: base64 } : {}),
  };
  return { receivedAt, kind: 'rejected_input', payloadText: canonicalJson(payload), payload };
}

/**
 * Raw text with its secret fields redacted, or the very same text when it holds none.
 * Re-serialising parsed text changes it (spacing, a duplicate key, a rounded number), so
 * text without a secret is kept exactly as received; a secret is found by pattern (a
 * duplicate that parsing would drop included) and, in JSON within the bounds, by walking
 * the parsed value (text over the bounds is never walked).
 */
function redactedRaw(text: string): string {
  const byPattern = redactRawPattern(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return byPattern;
  }
  if (scanJson(text) !== null) return byPattern;
  const redacted = redactSecrets(value);
  if (byPattern === text && canonicalJson(redacted) === canonicalJson(value)) return text;
  return JSON.stringify(redacted);
}

/**
 * A valid envelope with any secret sent in the clear (a plaintext `m.room_key`'s
 * `session_key`, an `m.secret.send`'s `secret`, an `m.room_key_bundle`'s file key: the
 * rules refuse them, but they are logged as received) taken out: the field reads
 * `[sealed]` and the event's original content is kept sealed with the store key in
 * `sealed_content` (or not at all without one). The same object comes back when there is
 * nothing to take out.
 */
function sealSecrets(envelope: Envelope, seal: SecretSealer): Envelope {
  // A room event can carry a secret too: an in-room `m.key.verification.start` with
  // `m.reciprocate.v1` holds the QR code's shared secret.
  if (envelope.kind !== 'to_device' && envelope.kind !== 'room_event') return envelope;
  // The whole event is walked, so its `type` says where the schema puts its secrets.
  // Counted first: nearly every event holds no secret, and then no copy is made.
  if (countSecrets(envelope.event, SEALED) === 0) return envelope;
  const { value: cleaned, found } = takeOutSecrets(envelope.event, SEALED);
  if (found === 0) return envelope;
  const sealed = seal(canonicalJson(envelope.event.content), 'sealed_content');
  return { ...envelope, event: cleaned, ...(sealed !== null ? { sealed_content: sealed } : {}) } as Envelope;
}

/**
 * Why JSON.parse failed, without its message: V8 quotes a fragment of the bad text there,
 * and the text may hold a secret.
 */
function jsonErrorPosition(err: unknown): string {
  const message = String((err as Error)?.message ?? '');
  const at = /position (\d+)/.exec(message);
  if (at) return ` (at character ${at[1]})`;
  return /end of (JSON )?input/i.test(message) ? ' (unexpected end of input)' : ' (unexpected token)';
}
