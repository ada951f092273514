/**
 * Turning whatever a caller passes to `ingest` into the text that is logged: a string as
 * it is, bytes decoded as strict UTF-8, anything else serialised once as canonical JSON
 * (so a `toJSON` or a getter cannot show the decoder one value and the log another), and
 * an input over the size bound described by its length, hash and first characters instead.
 */
import { createHash } from 'node:crypto';
import { MAX_QUOTED } from '../../events/decode.js';
import { canonicalCopy, canonicalJson, sha256Hex } from '../canonical.js';
import { MAX_JSON_DEPTH } from './json-bounds.js';

/** An input as text; `canonical` when the text is already canonical JSON (a serialised object). */
export interface InputText {
  text: string;
  canonical: boolean;
  /**
   * The text already parsed, when a caller's value was copied as it was serialised (a
   * fresh copy that reads exactly as the text parsed back, within the nesting and number
   * bounds of `scanJson`): the text then needs neither a parse nor a scan.
   */
  parsed?: { value: unknown };
}

/** Why an input could not be turned into text, and what of it is logged. */
export interface InputRefusal {
  raw: string;
  message: string;
  extra: { code: string; raw_base64?: string; length?: number; sha256?: string };
}

function refusal(raw: string, message: string, extra: InputRefusal['extra']): InputRefusal {
  return { raw, message, extra };
}

/** The default bound on one input: 16 MiB of UTF-8 (`LedgerOptions.maxInputBytes`, CLI `--max-input`). */
export const DEFAULT_MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** How many characters of an input too long to keep are logged (with its length and hash). */
export const OVERSIZED_HEAD_CHARS = 256;

/**
 * An input too long to be held whole, described by whoever read it (the CLI streams lines
 * and hashes them as they come): it is logged as `input.too_large` with these facts.
 */
export class OversizedInput {
  constructor(
    /** Its length in bytes. */
    readonly length: number,
    /** Lower-case hex SHA-256 of all its bytes. */
    readonly sha256: string,
    /** Its first bytes (any length; at most {@link OVERSIZED_HEAD_CHARS} characters are kept). */
    readonly head: Uint8Array,
  ) {}
}

/** Bounds on one input. */
export interface InputLimits {
  /** Longest input in UTF-8 bytes (default {@link DEFAULT_MAX_INPUT_BYTES}). */
  maxBytes?: number;
}

/** A caller's value as it was turned into text when it was passed. */
class Serialised {
  constructor(readonly result: InputText | InputRefusal) {}
}

/**
 * Turns a caller's value into text at once, when `ingest` is called: changes the caller
 * makes to it afterwards, while it waits for its batch, cannot reach the log. Strings are
 * immutable and stay as they are. Never throws.
 */
export function serialiseInput(input: unknown, maxBytes: number): unknown {
  return typeof input === 'string' ? input : new Serialised(inputText(input, maxBytes));
}

/**
 * The input as text, or why it cannot be: too long, bytes that are not UTF-8, or a value
 * whose serialisation throws (a getter, a Proxy, a cycle). Never throws.
 */
export function inputText(input: unknown, maxBytes: number): InputText | InputRefusal {
  let text: string;
  let canonical = false;
  let parsed: InputText['parsed'];
  try {
    if (input instanceof Serialised) {
      return input.result;
    } else if (typeof input === 'string') {
      text = input;
    } else if (input instanceof OversizedInput) {
      return oversized(input.length, input.sha256, new TextDecoder().decode(input.head.subarray(0, OVERSIZED_HEAD_CHARS * 4)), maxBytes);
    } else if (ArrayBuffer.isView(input)) {
      const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      if (bytes.length > maxBytes) return oversized(bytes.length, sha256Bytes(bytes), new TextDecoder().decode(bytes.subarray(0, OVERSIZED_HEAD_CHARS * 4)), maxBytes);
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        const lossy = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
        return refusal(lossy, 'the input is not valid UTF-8 (its bytes are kept in raw_base64)', {
          code: 'input.invalid_utf8',
          raw_base64: Buffer.from(bytes).toString('base64'),
        });
      }
    } else {
      // Canonical JSON, strict: NaN, a function or a BigInt is refused, not turned into null.
      if (input === undefined || typeof input === 'function' || typeof input === 'symbol') {
        return refusal('', `not a JSON value (${typeof input})`, { code: 'input.unserialisable' });
      }
      const fast = canonicalCopy(input, MAX_JSON_DEPTH);
      if (fast !== null) parsed = { value: fast.value };
      text = fast !== null ? fast.text : canonicalJson(input);
      canonical = true;
    }
  } catch (err) {
    return refusal(captured(input), `the input cannot be serialised: ${truncate(errorMessage(err))}`, { code: 'input.unserialisable' });
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most texts need no count.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) return oversized(bytes, sha256Hex(text.toWellFormed()), text.slice(0, OVERSIZED_HEAD_CHARS), maxBytes);
  }
  return parsed !== undefined ? { text, canonical, parsed } : { text, canonical };
}

function oversized(length: number, sha256: string, head: string, maxBytes: number): InputRefusal {
  return refusal(head.slice(0, OVERSIZED_HEAD_CHARS), `the input is ${length} bytes, over the ${maxBytes}-byte limit: only its length, SHA-256 and first characters are kept`, {
    code: 'input.too_large',
    length,
    sha256,
  });
}

/** What can be told about a value that cannot be serialised, without trusting it. */
function captured(input: unknown): string {
  try {
    if (input === null || (typeof input !== 'object' && typeof input !== 'function')) return String(input).slice(0, MAX_QUOTED);
    const keys = Object.keys(input as object).slice(0, 20);
    return `[unserialisable ${Array.isArray(input) ? 'array' : typeof input} with keys ${truncate(keys.join(', '))}]`;
  } catch {
    return `[unserialisable ${typeof input}]`;
  }
}

function errorMessage(err: unknown): string {
  try {
    return String((err as Error)?.message ?? err);
  } catch {
    return 'an error that cannot be shown';
  }
}

/** A message quoting at most {@link MAX_QUOTED} characters of something received. */
export function truncate(text: string): string {
  return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}… (${text.length} characters)`;
}

function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

