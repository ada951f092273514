/**
 * `m.secret_storage.v1.aes-hmac-sha2` (`modules/secrets.md`): HKDF-SHA-256 (32 zero
 * bytes of salt, the secret name as info) gives an AES-CTR-256 key and an HMAC-SHA-256
 * key; the MAC covers the ciphertext. A key description's `iv`/`mac` is the same over 32
 * zero bytes with the empty name. Passphrases: PBKDF2-SHA-512 (`m.pbkdf2`).
 */
import { createCipheriv, createHmac, hkdfSync, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ZERO_SALT = Buffer.alloc(32);

function keys(key: Uint8Array, name: string): { aes: Buffer; mac: Buffer } {
  const okm = Buffer.from(hkdfSync('sha256', key, ZERO_SALT, Buffer.from(name, 'utf8'), 64));
  return { aes: okm.subarray(0, 32), mac: okm.subarray(32, 64) };
}

/** Base64, either padded or not (the spec says both must be accepted); null if it is not base64. */
export function fromBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

const unpadded = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

function aesCtr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Encrypts a secret (`name` is its account data type) with a 4S key. */
export function encryptSecret(key: Uint8Array, name: string, secret: string): { iv: string; ciphertext: string; mac: string } {
  const { aes, mac } = keys(key, name);
  const iv = randomBytes(16);
  iv[8]! &= 0x7f;
  const ciphertext = aesCtr(aes, iv, Buffer.from(secret, 'utf8'));
  return { iv: unpadded(iv), ciphertext: unpadded(ciphertext), mac: unpadded(createHmac('sha256', mac).update(ciphertext).digest()) };
}

/** The secret, or null when the MAC does not match (wrong key, or altered data) or a field is not base64. */
export function decryptSecret(key: Uint8Array, name: string, encrypted: { iv: string; ciphertext: string; mac: string }): string | null {
  const iv = fromBase64(encrypted.iv);
  const ciphertext = fromBase64(encrypted.ciphertext);
  const given = fromBase64(encrypted.mac);
  if (iv === null || ciphertext === null || given === null || iv.length !== 16) return null;
  const { aes, mac } = keys(key, name);
  const expected = createHmac('sha256', mac).update(ciphertext).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return aesCtr(aes, iv, ciphertext).toString('utf8');
}

/** The `iv` and `mac` of a key description, for a 4S key (so a client can check a key entered later). */
export function keyCheck(key: Uint8Array, iv?: Buffer): { iv: string; mac: string } {
  const { aes, mac } = keys(key, '');
  const theIv = iv ?? randomBytes(16);
  if (iv === undefined) theIv[8]! &= 0x7f;
  const ct = aesCtr(aes, theIv, Buffer.alloc(32));
  return { iv: unpadded(theIv), mac: unpadded(createHmac('sha256', mac).update(ct).digest()) };
}

/**
 * Whether `key` passes a key description's check: true, false, or null when the
 * description has no `iv`/`mac` (then the spec says to assume the key is valid).
 */
export function checkKey(key: Uint8Array, description: { iv?: string; mac?: string }): boolean | null {
  if (description.iv === undefined || description.mac === undefined) return null;
  const iv = fromBase64(description.iv);
  const given = fromBase64(description.mac);
  if (iv === null || given === null || iv.length !== 16) return false;
  const expected = fromBase64(keyCheck(key, iv).mac)!;
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Upper bound on PBKDF2 rounds we run for a key description the server gave (a server could ask for 2^53). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** The 4S key of a passphrase, per the key description's `m.pbkdf2` parameters. */
export function passphraseKey(passphrase: string, params: { salt: string; iterations: number; bits?: number }): Uint8Array {
  const bits = params.bits ?? 256;
  return pbkdf2Sync(Buffer.from(passphrase, 'utf8'), Buffer.from(params.salt, 'utf8'), params.iterations, bits / 8, 'sha512');
}
