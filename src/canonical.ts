import { createHash } from 'node:crypto';
import anotherJson from 'another-json';

/**
 * Matrix canonical JSON (keys sorted, no whitespace), as matrix-js-sdk signs it. Used for
 * signatures, entry hashes and state hashes alike, so one encoding is the truth.
 */
export function canonicalJson(value: unknown): string {
  return anotherJson.stringify(value);
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
