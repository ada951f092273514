/**
 * Redaction of secrets for anything that leaves the engine (CLI output, exports,
 * bundles) and for raw inputs the log keeps: what is secret comes from the spec's schemas
 * (`secrets/locations.ts`), found by one bounded walk (`secrets/walk.ts`).
 */
import { JWK_PRIVATE_MEMBERS, KEY_MATERIAL_NAME, SECRET_FIELD_NAMES } from './secrets/locations.js';
import { REDACTED, takeOutSecrets } from './secrets/walk.js';

export { REDACTED };

/** A deep copy of `value` with every secret's value replaced by `[redacted]`. */
export function redactSecrets<T>(value: T): T {
  return replaceSecrets(value, REDACTED, true);
}

/**
 * Like {@link redactSecrets}, but the log's own placeholders (`[sealed]`) stay as they are:
 * an entry that only held sealed secrets keeps a checkable hash (incident bundles).
 */
export function redactKeepingSealed<T>(value: T): T {
  return takeOutSecrets(value, REDACTED, { rawText: (raw) => redactRawText(raw), keepPlaceholders: true }).value;
}

/**
 * A deep copy of `value` with every secret's value replaced by `marker`; `raw` strings
 * (rejected inputs) are redacted as text when `rawText` is set.
 */
export function replaceSecrets<T>(value: T, marker: string, rawText = false): T {
  return takeOutSecrets(value, marker, rawText ? { rawText: (raw) => redactRawText(raw) } : {}).value;
}

/** `"name": value` pairs in text that may not parse: a quoted (maybe unterminated) or bare value. */
const FIELD = /("((?:[^"\\]|\\.)*)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^"{}[\],\s][^,}\]\s]*)/g;

/** A field name as JSON reads it (`"session\u005fkey"` is `session_key`). */
function unescapeName(name: string): string {
  if (!name.includes('\\')) return name;
  try {
    return JSON.parse(`"${name}"`) as string;
  } catch {
    return name;
  }
}

/**
 * Whether a name in text that may not parse can hold a secret: the walk's names, and every
 * JWK private member (text that does not parse cannot say whether it is inside a JWK).
 */
function secretName(name: string): boolean {
  const n = unescapeName(name);
  return SECRET_FIELD_NAMES.has(n) || JWK_PRIVATE_MEMBERS.has(n) || KEY_MATERIAL_NAME.test(n);
}

/** Text redaction by pattern: a secret field's value, quoted or bare, so nothing of it survives. */
function redactText(raw: string, marker: string): string {
  return raw.replace(FIELD, (match: string, prefix: string, name: string, value: string) =>
    secretName(name) && value !== `"${marker}"` && value !== `"${REDACTED}"` ? `${prefix}"${marker}"` : match,
  );
}

/**
 * Redacts secrets inside raw input text that may not even parse (a rejected input).
 * Text that parses is walked like any JSON and written back when a secret was found;
 * the pattern pass then runs on whatever text is kept, so a duplicate key or a value the
 * walk could not reach (text too deep to write back) leaves nothing of a secret.
 */
export function redactRawText(raw: string, marker: string = REDACTED): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return redactText(raw, marker);
  }
  const { value, found } = takeOutSecrets(parsed, marker);
  if (found > 0) {
    try {
      return redactText(JSON.stringify(value), marker);
    } catch {
      // Too deep to write back: the pattern pass alone.
    }
  }
  return redactText(raw, marker);
}

/**
 * Redacts secret fields in text by pattern only, leaving every other byte as it is (text
 * that does not parse, or that parsing would change: a duplicate key, a huge number).
 */
export function redactRawPattern(raw: string): string {
  return redactText(raw, REDACTED);
}
