/**
 * The recovery key format (appendix "Cryptographic key representation", also used for
 * secret storage keys): the bytes 0x8B 0x01, the 32-byte key, a parity byte (the XOR of
 * all bytes before it), base58 (Bitcoin alphabet, via `bs58`), shown in groups of four.
 */
import bs58 from 'bs58';
import { RecoveryKeyError } from '../errors.js';

const PREFIX = [0x8b, 0x01] as const;

/** Encodes a 32-byte key as a recovery key, spaced in groups of four characters. */
export function encodeRecoveryKey(key: Uint8Array): string {
  if (key.length !== 32) throw new RecoveryKeyError('a recovery key holds 32 bytes');
  const bytes = new Uint8Array(35);
  bytes.set(PREFIX, 0);
  bytes.set(key, 2);
  let parity = 0;
  for (let i = 0; i < 34; i++) parity ^= bytes[i]!;
  bytes[34] = parity;
  return bs58.encode(bytes).match(/.{1,4}/g)!.join(' ');
}

/**
 * The 32-byte key of a recovery key (spaces and line breaks ignored). Throws
 * `RecoveryKeyError` for text that is not base58, or whose prefix, length or parity is wrong
 * (the message never repeats the text).
 */
export function decodeRecoveryKey(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(compact);
  } catch {
    throw new RecoveryKeyError('not a recovery key: it is not base58');
  }
  if (bytes.length !== 35) throw new RecoveryKeyError('not a recovery key: wrong length');
  if (bytes[0] !== PREFIX[0] || bytes[1] !== PREFIX[1]) throw new RecoveryKeyError('not a recovery key: wrong prefix');
  let parity = 0;
  for (let i = 0; i < 35; i++) parity ^= bytes[i]!;
  if (parity !== 0) throw new RecoveryKeyError('not a recovery key: the parity check failed (mistyped?)');
  return bytes.slice(2, 34);
}
