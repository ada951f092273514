/**
 * The one walk that finds secrets in JSON: the schema table of `locations.ts` (by event
 * type, wherever an `{type, content}` event sits), the names that table gives secret
 * values, key material named as such, and two structural rules: a JSON Web Key's private
 * members and an EncryptedFile's `key`, at any depth.
 *
 * It runs on received JSON, so it is iterative: no input, however deep, can overflow the
 * stack here (the parse edge bounds depth as well; this walk does not rely on it).
 */
import { JWK_PRIVATE_MEMBERS, KEY_MATERIAL_NAME, SECRETS_BY_EVENT_TYPE, SECRET_FIELD_NAMES, SECRET_LOCATIONS, type SecretShape } from './locations.js';

/** Where the log took a secret out (the original is sealed with the store key, or dropped). */
export const SEALED = '[sealed]';
/** Where output for people (exports, CLI, bundles) took a secret out. */
export const REDACTED = '[redacted]';

/** Values that mark a secret already taken out: not secrets themselves. */
const PLACEHOLDERS: ReadonlySet<unknown> = new Set([SEALED, REDACTED]);

/** How a slot of the object being copied is secret: a table shape, or an EncryptedFile's key. */
type SlotRule = SecretShape | 'file_key';

/** A location still to reach below an object: the rest of its path. */
interface Pending {
  readonly path: readonly string[];
  readonly shape: SlotRule;
}

/** One object or array to copy: its source, the copy to fill (null when only counting), and what is known about its slots. */
interface Frame {
  readonly src: unknown;
  readonly dst: Record<string, unknown> | unknown[] | null;
  readonly pending: readonly Pending[];
  /** An EncryptedFile's `key`: a JWK whether or not it says `kty`. */
  readonly jwk: boolean;
}

/** The copy and how many secrets it lost. */
export interface TakenOut<T> {
  readonly value: T;
  readonly found: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** No location below a slot (shared: never written to). */
const NONE: readonly Pending[] = Object.freeze([]);

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Sets an own data property, `__proto__` included (a plain assignment would set the prototype). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * A deep copy of `value` with every secret replaced by `marker`, and the number replaced.
 * With `keepPlaceholders`, a value already holding a placeholder (`[sealed]`,
 * `[redacted]`) is left as it is, so redacting what the log sealed changes nothing. With
 * `rawText`, a string under `raw` (the text of a rejected input) is redacted as text by it.
 * Never recursive.
 */
export function takeOutSecrets<T>(value: T, marker: string, options: { rawText?: (raw: string) => string; keepPlaceholders?: boolean } = {}): TakenOut<T> {
  return walk(value, marker, options, false);
}

/**
 * How many secrets {@link takeOutSecrets} would take out of `value`, by the same walk
 * without making the copy: most received events hold none, and copying each one only to
 * drop the copy was a tenth of what ingesting a room event allocated.
 */
export function countSecrets(value: unknown, marker: string): number {
  return mayHoldSecret(value) ? walk(value, marker, {}, true).found : 0;
}

/**
 * Every name under which the walk can find a secret: the last step of each location in
 * the table (`session_key`, `secret`, `file`), a JWK's private members, and an
 * EncryptedFile's `key`. Key material named as such is told by {@link KEY_MATERIAL_NAME}.
 */
const SECRET_SLOTS: ReadonlySet<string> = new Set([...SECRET_LOCATIONS.map((l) => l.path[l.path.length - 1]!), ...JWK_PRIVATE_MEMBERS, 'key']);

/**
 * False only when the walk cannot find a secret in `value`: no key anywhere in it is a
 * name the walk takes a secret from. A pass over the keys that allocates nothing but its
 * stack, where the walk's frames were a tenth of what ingesting a room event allocated;
 * any such name at all (a `key`, a `d`) sends the value on to the walk.
 */
export function mayHoldSecret(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: object[] = [value];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (c !== null && typeof c === 'object') stack.push(c);
      }
      continue;
    }
    const o = v as Record<string, unknown>;
    // (for-in also lists inherited enumerable names: more names checked, never fewer.)
    for (const k in o) {
      if (SECRET_SLOTS.has(k) || KEY_MATERIAL_NAME.test(k)) return true;
      const c = o[k];
      if (c !== null && typeof c === 'object') stack.push(c);
    }
  }
  return false;
}

function walk<T>(value: T, marker: string, options: { rawText?: (raw: string) => string; keepPlaceholders?: boolean }, countOnly: boolean): TakenOut<T> {
  if (value === null || typeof value !== 'object') return { value, found: 0 };
  let found = 0;
  const root = countOnly ? null : Array.isArray(value) ? new Array<unknown>(value.length) : {};
  const stack: Frame[] = [{ src: value, dst: root, pending: [], jwk: false }];
  const child = (src: unknown, pending: readonly Pending[], jwk: boolean): unknown => {
    if (src === null || typeof src !== 'object') return src;
    const dst = countOnly ? null : Array.isArray(src) ? new Array<unknown>(src.length) : {};
    stack.push({ src, dst, pending, jwk });
    return dst;
  };
  const secret = (v: unknown): unknown => {
    if (v === null || v === undefined || v === marker || (options.keepPlaceholders === true && PLACEHOLDERS.has(v))) return v;
    found++;
    return marker;
  };
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { src, dst, pending, jwk } = frame;
    if (Array.isArray(src)) {
      const out = dst as unknown[] | null;
      for (let i = 0; i < src.length; i++) {
        const copy = child(src[i], [], false);
        if (out !== null) out[i] = copy;
      }
      continue;
    }
    const o = src as Record<string, unknown>;
    const out = dst as Record<string, unknown> | null;
    const isJwk = jwk || typeof o['kty'] === 'string';
    const isFile = has(o, 'key') && (has(o, 'iv') || has(o, 'hashes'));
    // An event: the table says where its content keeps secrets.
    const eventLocations = typeof o['type'] === 'string' && isRecord(o['content']) ? SECRETS_BY_EVENT_TYPE.get(o['type']) : undefined;
    for (const k of Object.keys(o)) {
      const v = o[k];
      let rule: SlotRule | null = null;
      // (No array per key unless a location goes on below it: most keys have none.)
      let below: readonly Pending[] = NONE;
      for (const p of pending) {
        if (p.path[0] !== k) continue;
        if (p.path.length === 1) rule = p.shape;
        else below = [...below, { path: p.path.slice(1), shape: p.shape }];
      }
      if (k === 'content' && eventLocations !== undefined) below = below.length === 0 ? eventLocations : [...below, ...eventLocations];
      if (rule === null) {
        if (SECRET_FIELD_NAMES.has(k) || (isJwk && JWK_PRIVATE_MEMBERS.has(k)) || (typeof v === 'string' && KEY_MATERIAL_NAME.test(k))) rule = 'value';
        else if (k === 'key' && isFile) rule = 'file_key';
      }
      let copy: unknown;
      switch (rule) {
        case 'value':
          copy = secret(v);
          break;
        case 'encrypted_file':
          // An EncryptedFile where the schema puts one: its key is secret whatever its shape.
          copy = isRecord(v) ? child(v, [...below, { path: ['key'], shape: 'file_key' }], false) : secret(v);
          break;
        case 'file_key':
          copy = isRecord(v) ? child(v, below, true) : secret(v);
          break;
        default:
          if (k === 'raw' && typeof v === 'string' && options.rawText !== undefined) {
            // The text of a rejected input: redacted as text.
            copy = options.rawText(v);
            if (copy !== v) found++;
          } else {
            copy = child(v, below, false);
          }
      }
      if (out !== null) put(out, k, copy);
    }
  }
  return { value: (root ?? value) as T, found };
}
