/**
 * The bound on received JSON, checked once at the edge before anything walks it.
 *
 * Everything received is attacker-controlled, and several walks over it recurse (secret
 * sealing, canonical JSON, io-ts): a payload nested a few thousand levels deep overflows
 * the stack inside the writer. Matrix canonical JSON also has no duplicate keys and no
 * integer outside ±(2^53−1); `JSON.parse` silently keeps the last duplicate and rounds
 * the integer, so two readers could see two different messages. This scanner checks all
 * three in one iterative pass (no recursion, whatever the nesting) over text that
 * `JSON.parse` has already accepted, so it only has to follow the structure.
 */
import { MAX_QUOTED, quoted } from '../../events/decode.js';

/** How deep received JSON may nest (objects and arrays); real Matrix events stay under 16. */
export const MAX_JSON_DEPTH = 64;

/** What is wrong with a JSON text, if anything. */
export type JsonProblemKind = 'too_deep' | 'duplicate_key' | 'integer_out_of_range';

export interface JsonProblem {
  readonly kind: JsonProblemKind;
  /** Dotted path of the offending place (array indexes as numbers). */
  readonly path: string;
  /** One readable line, quoting at most `MAX_QUOTED` characters of received text. */
  readonly message: string;
}

interface Frame {
  readonly object: boolean;
  /** Keys seen so far (objects), in order. */
  keys: string[];
  /** Built lazily once an object has many keys. */
  set: Set<string> | null;
  /** The current index (arrays). */
  at: number;
  /** Where the current key's quoted text starts and ends (objects; -1 before the first). */
  keyStart: number;
  keyEnd: number;
  expectKey: boolean;
}

const LINEAR_KEYS = 16;

/**
 * Checks a text that `JSON.parse` accepted: nesting at most `maxDepth`, no object with
 * the same key twice, no integer outside ±(2^53−1) (nor a number that is not finite).
 * Returns the first problem found, or null. `keys: false` skips the key check, for text
 * that cannot repeat a key (canonical JSON made here from an object).
 */
export function scanJson(text: string, maxDepth: number = MAX_JSON_DEPTH, keys = true): JsonProblem | null {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  const where = (): string => pathOf(stack, text);
  while (i < n) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b: // {
      case 0x5b: {
        // [
        const top = stack[stack.length - 1];
        if (top && !top.object) top.at++;
        if (stack.length >= maxDepth) {
          return { kind: 'too_deep', path: where(), message: `JSON nests deeper than ${maxDepth} levels` };
        }
        stack.push({ object: c === 0x7b, keys: [], set: null, at: -1, keyStart: -1, keyEnd: -1, expectKey: c === 0x7b });
        i++;
        break;
      }
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        i++;
        break;
      case 0x2c: {
        // ,
        const top = stack[stack.length - 1];
        if (top?.object) top.expectKey = true;
        i++;
        break;
      }
      case 0x22: {
        // "
        // The closing quote is the next one not escaped by an odd run of backslashes
        // (indexOf is native: most of a text is long strings such as ciphertexts).
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          let k = q - 1;
          while (text.charCodeAt(k) === 0x5c) k--;
          j = q;
          if ((q - 1 - k) % 2 === 0) break;
          j = q + 1;
        }
        const top = stack[stack.length - 1];
        if (top?.object && top.expectKey) {
          top.expectKey = false;
          top.keyStart = i;
          top.keyEnd = j;
          if (keys) {
            const key = keyText(text, i, j);
            if (seen(top, key)) return { kind: 'duplicate_key', path: where(), message: `duplicate key ${quoted(key)} (canonical JSON has each key once)` };
          }
        } else if (top && !top.object) {
          top.at++;
        }
        i = j + 1;
        break;
      }
      case 0x74: // true
      case 0x6e: // null
      case 0x66: {
        // false
        const top = stack[stack.length - 1];
        if (top && !top.object) top.at++;
        i += c === 0x66 ? 5 : 4;
        break;
      }
      default: {
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          const top = stack[stack.length - 1];
          if (top && !top.object) top.at++;
          let j = i + 1;
          let plain = true;
          for (; j < n; j++) {
            const d = text.charCodeAt(j);
            if (d >= 0x30 && d <= 0x39) continue;
            if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
              plain = false;
              continue;
            }
            break;
          }
          // 15 digits are always safe; only longer or non-plain numbers need a look.
          if (!plain || j - i > 15) {
            const token = text.slice(i, j);
            const value = Number(token);
            if (!Number.isFinite(value) || (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER)) {
              return {
                kind: 'integer_out_of_range',
                path: where(),
                message: `number ${quoted(token).slice(1, -1)} is outside the canonical JSON range ±(2^53−1)`,
              };
            }
          }
          i = j;
        } else {
          i++; // whitespace, ':'
        }
      }
    }
  }
  return null;
}

function seen(frame: Frame, key: string): boolean {
  if (frame.set !== null) {
    if (frame.set.has(key)) return true;
    frame.set.add(key);
    return false;
  }
  const keys = frame.keys;
  for (let k = 0; k < keys.length; k++) if (keys[k] === key) return true;
  keys.push(key);
  if (keys.length > LINEAR_KEYS) frame.set = new Set(keys);
  return false;
}

/** The key whose quoted text is `text[start..end]`, unescaped. */
function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end + 1)) as string) : raw;
}

function pathOf(stack: readonly Frame[], text: string): string {
  let path = '';
  for (const f of stack) {
    if (f.object && f.keyStart < 0) continue;
    const segment = f.object ? keyText(text, f.keyStart, f.keyEnd) : String(f.at);
    path += path === '' ? segment : `.${segment}`;
    if (path.length > MAX_QUOTED) return `${path.slice(0, MAX_QUOTED)}…`;
  }
  return path;
}
