import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Matrix canonical JSON: keys sorted, no insignificant whitespace, strings escaped as
 * JSON does (`\u0001`, not another-json's invalid `\U0001`). RFC 8785 encodes exactly
 * that for the integers Matrix allows. Used for signatures, entry hashes and state hashes
 * alike, so one encoding is the truth.
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? 'null';
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
