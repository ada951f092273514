/**
 * Key export files (E2EE module, "Key exports"): a JSON array of `ExportedSessionData`,
 * encrypted with AES-CTR-256 under a key from PBKDF2-HMAC-SHA-512 of the passphrase, with
 * an HMAC-SHA-256 over everything, base64 between the MEGOLM SESSION DATA armour lines.
 */
import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeyExportError } from '../errors.js';

const BEGIN = '-----BEGIN MEGOLM SESSION DATA-----';
const END = '-----END MEGOLM SESSION DATA-----';
/** Rounds we write (the spec: at least 100,000). */
export const EXPORT_ROUNDS = 500_000;
/** Rounds we accept in a file (a crafted file could ask for 2^32 - 1). */
export const MAX_IMPORT_ROUNDS = 10_000_000;

/** One session in an export file (`megolm_export_session_data`). */
export interface ExportedSession {
  algorithm: string;
  forwarding_curve25519_key_chain: string[];
  room_id: string;
  sender_key: string;
  sender_claimed_keys: Record<string, string>;
  session_id: string;
  session_key: string;
  [extra: string]: unknown;
}

function derive(passphrase: string, salt: Buffer, rounds: number): { aes: Buffer; mac: Buffer } {
  const k = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, rounds, 64, 'sha512');
  return { aes: k.subarray(0, 32), mac: k.subarray(32, 64) };
}

/** Encrypts sessions into a key export file's text. */
export function encryptKeyExport(sessions: readonly ExportedSession[], passphrase: string, rounds = EXPORT_ROUNDS): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  iv[8]! &= 0x7f;
  const { aes, mac } = derive(passphrase, salt, rounds);
  const c = createCipheriv('aes-256-ctr', aes, iv);
  const ct = Buffer.concat([c.update(Buffer.from(JSON.stringify(sessions), 'utf8')), c.final()]);
  const n = Buffer.alloc(4);
  n.writeUInt32BE(rounds);
  const body = Buffer.concat([Buffer.from([1]), salt, iv, n, ct]);
  const all = Buffer.concat([body, createHmac('sha256', mac).update(body).digest()]);
  const lines = all.toString('base64').match(/.{1,96}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/**
 * The sessions of a key export file. Throws `KeyExportError` for text that is not one,
 * a wrong passphrase (HMAC check), or a payload that is not a JSON array.
 */
export function decryptKeyExport(text: string, passphrase: string): unknown[] {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new KeyExportError('not a key export file (no MEGOLM SESSION DATA armour)');
  const b64 = text.slice(start + BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new KeyExportError('not a key export file: the body is not base64');
  const all = Buffer.from(b64, 'base64');
  if (all.length < 1 + 16 + 16 + 4 + 32) throw new KeyExportError('not a key export file: too short');
  if (all[0] !== 1) throw new KeyExportError(`unknown key export format version ${all[0]}`);
  const salt = all.subarray(1, 17);
  const iv = all.subarray(17, 33);
  const rounds = all.readUInt32BE(33);
  if (rounds < 1 || rounds > MAX_IMPORT_ROUNDS) throw new KeyExportError(`the file asks for ${rounds} PBKDF2 rounds (accepted: 1 to ${MAX_IMPORT_ROUNDS})`);
  const body = all.subarray(0, all.length - 32);
  const given = all.subarray(all.length - 32);
  const { aes, mac } = derive(passphrase, salt, rounds);
  const expected = createHmac('sha256', mac).update(body).digest();
  if (!timingSafeEqual(given, expected)) throw new KeyExportError('wrong passphrase, or the file was altered (its HMAC check failed)');
  const c = createCipheriv('aes-256-ctr', aes, iv);
  const plain = Buffer.concat([c.update(body.subarray(37)), c.final()]).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain);
  } catch {
    throw new KeyExportError('the decrypted key export is not JSON');
  }
  if (!Array.isArray(parsed)) throw new KeyExportError('the decrypted key export is not a JSON array');
  return parsed;
}
