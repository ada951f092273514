import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeEnvelope, type Envelope } from '../../events/envelope.js';
import type { RejectedInputPayload } from '../../events/entry.js';
import { canonicalJson } from '../canonical.js';
import { redactRawText } from '../redact.js';
import { SEALED, takeOutSecrets } from '../secrets/walk.js';

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
}

/**
 * Decodes one input (an envelope object or its JSON text) into the entry it becomes.
 * Never throws: anything that is not a valid, encodable envelope becomes a
 * `rejected_input` entry with the raw text and the decoder's path.
 */
export function prepareInput(input: unknown, now: () => number, seal: SecretSealer = () => null): PreparedEntry {
  let value: unknown;
  let raw: string | undefined;
  try {
    if (typeof input === 'string') {
      raw = input;
      value = JSON.parse(input);
    } else {
      value = input;
    }
  } catch (err) {
    return rejected(raw ?? '', '', `invalid JSON${jsonErrorPosition(err)}`, now(), seal);
  }
  const decoded = decodeEnvelope(value);
  if (isLeft(decoded)) return rejected(raw ?? safeStringify(input), decoded.left.path, decoded.left.message, now(), seal);
  let payloadText: string;
  let payload: Envelope;
  try {
    const withoutSecrets = sealSecrets(decoded.right, seal);
    payloadText = canonicalJson(withoutSecrets);
    // A string input was parsed here, so its object is ours; a caller's object is cloned
    // from the canonical text, so later changes by the caller cannot reach the state.
    payload = raw !== undefined && withoutSecrets === decoded.right ? decoded.right : (JSON.parse(payloadText) as Envelope);
  } catch (err) {
    return rejected(raw ?? safeStringify(input), '', `not encodable as canonical JSON: ${(err as Error).message}`, now(), seal);
  }
  const envelope = payload;
  const receivedAt = typeof envelope.received_at === 'number' ? envelope.received_at : now();
  return { receivedAt, kind: envelope.kind, payloadText, payload, envelope };
}

/**
 * A `rejected_input` entry. Lone surrogates are replaced, so the raw text stays encodable;
 * a secret in the raw text is redacted there and the whole text kept sealed beside it
 * (`raw_sealed`, only with a store key).
 */
export function rejected(raw: string, path: string, message: string, receivedAt: number, seal: SecretSealer = () => null): PreparedEntry {
  const text = raw.toWellFormed();
  const redacted = redactRawText(text);
  const sealed = redacted === text ? null : seal(text, 'raw_sealed');
  const payload: RejectedInputPayload = { raw: redacted === text ? text : redacted, path, message: message.toWellFormed(), ...(sealed !== null ? { raw_sealed: sealed } : {}) };
  return { receivedAt, kind: 'rejected_input', payloadText: canonicalJson(payload), payload };
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
  if (envelope.kind !== 'to_device') return envelope;
  // The whole event is walked, so its `type` says where the schema puts its secrets.
  const { value: cleaned, found } = takeOutSecrets(envelope.event, SEALED);
  if (found === 0) return envelope;
  const sealed = seal(canonicalJson(envelope.event.content), 'sealed_content');
  return { ...envelope, event: cleaned, ...(sealed !== null ? { sealed_content: sealed } : {}) } as Envelope;
}

function safeStringify(input: unknown): string {
  try {
    return JSON.stringify(input) ?? String(input);
  } catch (err) {
    return `[unserialisable input: ${(err as Error).message}]`;
  }
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
