import { defineCodes } from '../codes.js';

const BACKUPS = 'Server-side key backups';
const STORAGE = 'Secrets: Storage';
const MUST_TRUST = 'Clients must only store keys in backups after they have ensured that the `auth_data` is trusted.';
const BY_SIGNATURE = 'checking that it is signed by the user\'s [master signing key](#cross-signing) or by a verified device belonging to the same user, or';
const BY_KEY = 'deriving the public key from a private key that it obtained from a trusted source.';

/**
 * Reason codes of the `backup` slice: whether the server's key backup (`auth_data`) is
 * trusted, whether keys may go to it, whether keys restored from it are taken, and what
 * secret storage opened. Quotes joined by ` … ` are each verbatim.
 */
export const backupCodes = defineCodes([
  {
    code: 'backup.trusted_signature',
    outcome: 'accepted',
    summary: 'The backup\'s `auth_data` carries a valid signature by our master key while our identity is trusted, or by a verified device of ours: keys may go to it.',
    spec: `${MUST_TRUST} … ${BY_SIGNATURE}`,
    section: BACKUPS,
  },
  {
    code: 'backup.trusted_key',
    outcome: 'accepted',
    summary: 'The backup\'s `public_key` equals the public key of a backup private key from a trusted source (the user, secret storage, secret sharing from our verified device): keys may go to it.',
    spec: `${MUST_TRUST} … ${BY_KEY}`,
    section: BACKUPS,
  },
  {
    code: 'backup.untrusted',
    outcome: 'rejected',
    summary: 'The backup\'s `auth_data` has neither a valid signature by a trusted key of ours nor a public key we hold the private key of (a server can set any `auth_data`): no key goes to it and none is restored from it.',
    spec: MUST_TRUST,
    section: BACKUPS,
  },
  {
    code: 'backup.unknown_algorithm',
    outcome: 'rejected',
    summary: 'The backup uses an algorithm other than `m.megolm_backup.v1.curve25519-aes-sha2`: not used.',
    spec: 'When a backup is created with the `algorithm` set to `m.megolm_backup.v1.curve25519-aes-sha2`, the `auth_data` should have the following format:',
    section: `${BACKUPS}: m.megolm_backup.v1.curve25519-aes-sha2`,
  },
  {
    code: 'backup.invalid_public_key',
    outcome: 'rejected',
    summary: 'The backup\'s `auth_data.public_key` is not a curve25519 public key (32 bytes, unpadded base64): not used.',
    spec: 'beyond the spec: a public key that is not one can encrypt nothing we could restore',
    section: `${BACKUPS}: m.megolm_backup.v1.curve25519-aes-sha2`,
  },
  {
    code: 'backup.auth_data_changed',
    outcome: 'flagged',
    summary: 'The server gave a different `auth_data` under a backup version we had seen: an anomaly (a version\'s `auth_data` is fixed when it is created); judged afresh, with the earlier one named.',
    spec: 'beyond the spec: `auth_data` is set when a version is created (POST /room_keys/version); the same version with other auth_data means the server rewrote it',
    section: BACKUPS,
  },
  {
    code: 'backup.restore_untrusted',
    outcome: 'rejected',
    summary: 'Keys from a backup version that is not trusted (or not the current one): none is decrypted or taken.',
    spec: MUST_TRUST,
    section: BACKUPS,
  },
  {
    code: 'backup.restore_no_key',
    outcome: 'rejected',
    summary: 'Keys from a trusted backup, but we hold no backup private key from a trusted source whose public key is the backup\'s: nothing to decrypt them with.',
    spec: 'the client requires a [decryption key](#decryption-key) to decrypt the session keys.',
    section: BACKUPS,
  },
  {
    code: 'backup.restored',
    outcome: 'accepted',
    summary: 'Keys from the trusted current backup were decrypted with our backup private key; each session is then judged by the megolm rules (source `backup`, unauthenticated).',
    spec: 'Keys are encrypted according to the backup\'s `auth_data` and added to the backup by calling',
    section: BACKUPS,
  },
  {
    code: 'backup.upload',
    outcome: 'accepted',
    summary: 'Room keys not yet in the trusted current backup (or held there at a higher index) go to it in a `keys_backup` request, encrypted to its public key.',
    spec: `${MUST_TRUST} … Keys can only be written to the most recently created version of the backup.`,
    section: BACKUPS,
  },
  {
    code: 'backup.upload_refused',
    outcome: 'rejected',
    summary: 'The client asked to back keys up, but the current backup is not trusted (or there is none): no key goes to the server. The detail names the verdict.',
    spec: MUST_TRUST,
    section: BACKUPS,
  },
  {
    code: 'secret_storage.opened',
    outcome: 'accepted',
    summary: 'The user\'s recovery key or passphrase opened a secret storage key (its MAC check passed); the secrets it decrypted are sealed in the vault (`secret_stored` facts).',
    spec: 'This process can be repeated by a client checking if the key is correct: the MAC should match if the key is correct.',
    section: STORAGE,
  },
  {
    code: 'secret_storage.wrong_key',
    outcome: 'rejected',
    summary: 'The recovery key or passphrase entered does not pass the key\'s MAC check: it opens nothing.',
    spec: 'This process can be repeated by a client checking if the key is correct: the MAC should match if the key is correct.',
    section: STORAGE,
  },
  {
    code: 'secret.stored',
    outcome: 'accepted',
    summary: 'A secret from a trusted source (secret storage, secret sharing from our verified device, the user) is sealed in the vault; the log holds its name and public key only.',
    spec: `Trusted sources for the private key include the user entering the key, retrieving the key stored in [secret storage](#secret-storage), or obtaining the key via [secret sharing](#sharing) from a verified device belonging to the same user.`,
    section: BACKUPS,
  },
]);

/** A code of the backup slice. */
export type BackupCode = keyof typeof backupCodes;
