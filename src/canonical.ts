import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

// Keys sorted, no whitespace, strings escaped as JSON.stringify escapes them (`\u0001`;
// another-json's `\U0001` is not JSON), and anything JSON cannot hold (NaN, functions,
// BigInt, cycles) is an error rather than a silent `null`. safe-stable-stringify is the
// fastest well-kept encoder of that kind we measured (~3 µs for a room event against ~7.5 µs
// for RFC 8785's canonicalize), and the log hashes every entry with it.
const stringify = configure({ deterministic: true, strict: true, bigint: false, circularValue: TypeError });

/**
 * Matrix canonical JSON of a JSON value: used for signatures, entry hashes and state
 * hashes alike, so one encoding is the truth. Throws on values JSON cannot represent.
 */
export function canonicalJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('not a JSON value');
  return text;
}

// crypto.hash (Node >= 20.12) is a one-shot digest without a Hash object: ~40% cheaper for
// an entry-sized input, and the log hashes every entry.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return oneShot !== undefined ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}
