/**
 * Redaction of secrets for anything that leaves the engine (CLI output, exports,
 * bundles): Megolm session keys, private keys, secrets sent by `m.secret.send`,
 * recovery keys, pickles.
 */
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
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_FIELDS.has(k) && v !== null && v !== undefined) out[k] = REDACTED;
    else if (k === 'raw' && typeof v === 'string') out[k] = redactRawText(v);
    else out[k] = redactSecrets(v);
  }
  return out as T;
}

/**
 * Redacts secrets inside raw input text that may not even parse (a rejected input):
 * JSON is redacted field by field, anything else by pattern.
 */
export function redactRawText(raw: string): string {
  try {
    return JSON.stringify(redactSecrets(JSON.parse(raw)));
  } catch {
    const names = [...SECRET_FIELDS].join('|');
    return raw.replace(new RegExp(`("(?:${names})"\\s*:\\s*)"[^"]*"?`, 'g'), `$1"${REDACTED}"`);
  }
}
