/**
 * Real backup material for tests: a backup key pair (olm), `auth_data` signed by real
 * keys, sessions encrypted to the backup key as `m.megolm_backup.v1.curve25519-aes-sha2`
 * says, and secret storage account data written by the spec's algorithm.
 */
import { randomBytes } from 'node:crypto';
import { encryptToBackupKey, generateBackupKey } from '../../src/crypto/backup-key.js';
import { loadOlm } from '../../src/crypto/olm.js';
import { encryptSecret, keyCheck } from '../../src/secrets/aes-hmac-sha2.js';
import { SimOutboundGroupSession, type SimDevice } from '../../src/testkit/index.js';
import { unpaddedBase64 } from '../../src/testkit/signing.js';

export const BACKUP_ALGORITHM = 'm.megolm_backup.v1.curve25519-aes-sha2';

/** A fresh backup key pair: the private key as base64 (the secret) and its public key. */
export async function backupKeyPair(): Promise<{ privateKey: Uint8Array; secret: string; publicKey: string }> {
  const { privateKey, publicKey } = generateBackupKey(await loadOlm());
  return { privateKey, secret: unpaddedBase64(privateKey), publicKey };
}

/** A `backup_version` envelope. */
export function backupVersion(version: string, authData: Record<string, unknown>, algorithm = BACKUP_ALGORITHM): Record<string, unknown> {
  return { kind: 'backup_version', response: { algorithm, auth_data: authData, count: 1, etag: '1', version } };
}

/** One room's sessions, encrypted to the backup key, as `GET /room_keys/keys` returns them. */
export async function backedUpSessions(publicKey: string, sessions: readonly SimOutboundGroupSession[]): Promise<{ rooms: Record<string, { sessions: Record<string, unknown> }> }> {
  const olm = await loadOlm();
  const rooms: Record<string, { sessions: Record<string, unknown> }> = {};
  for (const s of sessions) {
    const roomKey = s.roomKeyContent();
    const data = {
      algorithm: 'm.megolm.v1.aes-sha2',
      forwarding_curve25519_key_chain: [],
      sender_key: senderKeyOf(s),
      sender_claimed_keys: { ed25519: senderEd25519Of(s) },
      session_key: await s.exportAt(0),
    };
    (rooms[roomKey.room_id] ??= { sessions: {} }).sessions[s.sessionId] = {
      first_message_index: 0, forwarded_count: 0, is_verified: false, session_data: encryptToBackupKey(olm, publicKey, JSON.stringify(data)),
    };
  }
  return { rooms };
}

const senders = new WeakMap<SimOutboundGroupSession, SimDevice>();
const senderKeyOf = (s: SimOutboundGroupSession) => senders.get(s)!.curve25519;
const senderEd25519Of = (s: SimOutboundGroupSession) => senders.get(s)!.ed25519;

/** A Megolm session created by `device` in `roomId`. */
export async function groupSession(device: SimDevice, roomId: string): Promise<SimOutboundGroupSession> {
  const s = SimOutboundGroupSession.create(await loadOlm(), { userId: device.userId, deviceId: device.deviceId, curve25519: device.curve25519, ed25519: device.ed25519 }, roomId);
  senders.set(s, device);
  return s;
}

/**
 * Secret storage account data for a random 4S key (`keyId`, the default), with the key's
 * check (iv/mac), an optional passphrase, and each secret encrypted to it.
 */
export function secretStorage(keyId: string, secrets: Record<string, string>, opts: { key?: Uint8Array; passphrase?: { salt: string; iterations: number } } = {}): { key: Uint8Array; events: { type: string; content: Record<string, unknown> }[] } {
  const key = opts.key ?? new Uint8Array(randomBytes(32));
  const events: { type: string; content: Record<string, unknown> }[] = [
    { type: 'm.secret_storage.default_key', content: { key: keyId } },
    {
      type: `m.secret_storage.key.${keyId}`,
      content: {
        algorithm: 'm.secret_storage.v1.aes-hmac-sha2', ...keyCheck(key),
        ...(opts.passphrase ? { passphrase: { algorithm: 'm.pbkdf2', ...opts.passphrase } } : {}),
      },
    },
  ];
  for (const [name, secret] of Object.entries(secrets)) events.push({ type: name, content: { encrypted: { [keyId]: encryptSecret(key, name, secret) } } });
  return { key, events };
}
