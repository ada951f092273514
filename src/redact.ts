/**
 * Redaction of secrets for anything that leaves the engine (CLI output, exports,
 * bundles): Megolm session keys, private keys, secrets sent by `m.secret.send`,
 * recovery keys, pickles.
 */
import { scanJson } from './ingest/json-bounds.js';

const SECRET_FIELDS = new Set([
  'session_key',
  'secret',
  'private_key',
  'privateKey',
  'recovery_key',
  'recoveryKey',
  'pickle',
  'plaintext_key',
]);

/** Placeholder written where a secret was. */
export const REDACTED = '[redacted]';

/** A deep copy of `value` with every secret field's value replaced by `[redacted]`. */
export function redactSecrets<T>(value: T): T {
  return replaceSecrets(value, REDACTED, true);
}

/**
 * A deep copy of `value` with every secret field's value replaced by `marker`; `raw`
 * strings (rejected inputs) are redacted as text when `rawText` is set.
 */
export function replaceSecrets<T>(value: T, marker: string, rawText = false): T {
  if (Array.isArray(value)) return value.map((v) => replaceSecrets(v, marker, rawText)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const copy = SECRET_FIELDS.has(k) && v !== null && v !== undefined ? marker : rawText && k === 'raw' && typeof v === 'string' ? redactRawText(v) : replaceSecrets(v, marker, rawText);
    // An own "__proto__" key (JSON.parse makes one) stays a key, not the copy's prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[k] = copy;
  }
  return out as T;
}

/** `"name": value` pairs in text that may not parse: a quoted (maybe unterminated) or bare value. */
const FIELD = /("((?:[^"\\]|\\.)*)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^"{}[\],\s][^,}\]\s]*)/g;

/**
 * Redacts secrets inside raw input text that may not even parse (a rejected input):
 * JSON is redacted field by field; anything else by pattern, a secret field's value
 * quoted or bare, so nothing of it survives.
 */
export function redactRawText(raw: string): string {
  try {
    const value: unknown = JSON.parse(raw);
    // Raw text is whatever a sender made (a refused, too-deep input): walked only within the bound.
    if (scanJson(raw) !== null) return redactRawPattern(raw);
    return JSON.stringify(redactSecrets(value));
  } catch {
    return redactRawPattern(raw);
  }
}

/**
 * Redacts secret fields in text by pattern only, leaving every other byte as it is (text
 * that does not parse, or that parsing would change: a duplicate key, a huge number).
 */
export function redactRawPattern(raw: string): string {
  return raw.replace(FIELD, (match: string, prefix: string, name: string, value: string) =>
    SECRET_FIELDS.has(name) && value !== `"${REDACTED}"` ? `${prefix}"${REDACTED}"` : match,
  );
}
