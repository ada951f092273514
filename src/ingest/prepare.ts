import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeEnvelope, type Envelope } from '../../events/envelope.js';
import type { RejectedInputPayload } from '../../events/entry.js';
import { canonicalJson } from '../canonical.js';

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
export function prepareInput(input: unknown, now: () => number): PreparedEntry {
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
    return rejected(raw ?? '', '', `invalid JSON${jsonErrorPosition(err)}`, now());
  }
  const decoded = decodeEnvelope(value);
  if (isLeft(decoded)) return rejected(raw ?? safeStringify(input), decoded.left.path, decoded.left.message, now());
  let payloadText: string;
  let payload: Envelope;
  try {
    payloadText = canonicalJson(decoded.right);
    // A string input was parsed here, so its object is ours; a caller's object is cloned
    // from the canonical text, so later changes by the caller cannot reach the state.
    payload = raw !== undefined ? decoded.right : (JSON.parse(payloadText) as Envelope);
  } catch (err) {
    return rejected(raw ?? safeStringify(input), '', `not encodable as canonical JSON: ${(err as Error).message}`, now());
  }
  const envelope = payload;
  const receivedAt = typeof envelope.received_at === 'number' ? envelope.received_at : now();
  return { receivedAt, kind: envelope.kind, payloadText, payload, envelope };
}

/** A `rejected_input` entry. Lone surrogates are replaced, so the raw text stays encodable. */
export function rejected(raw: string, path: string, message: string, receivedAt: number): PreparedEntry {
  const payload: RejectedInputPayload = { raw: raw.toWellFormed(), path, message: message.toWellFormed() };
  return { receivedAt, kind: 'rejected_input', payloadText: canonicalJson(payload), payload };
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
