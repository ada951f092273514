/**
 * Where the Matrix spec puts secrets, as data: each entry names the schema that describes
 * the field and quotes the words that make it secret. `test/src/secrets/schema-coverage.test.ts`
 * loads the spec's yaml and checks both ways: every field a schema describes as secret is
 * listed here, and every entry here is a field of its schema. The walk in `walk.ts` reads
 * this table (never a list of names of its own) plus two structural rules that need no
 * table: JSON Web Keys and EncryptedFile objects, wherever they are.
 */

/** How the value at a location is secret. */
export type SecretShape =
  /** The whole value is the secret (a key, a secret string). */
  | 'value'
  /** An `EncryptedFile`: its `key` (a JWK, or whatever stands there) is the secret. */
  | 'encrypted_file';

/** One place a schema puts a secret. */
export interface SecretLocation {
  /** The schema file, relative to the spec reference (`event-schemas/schema/…`, `api/definitions/…`). */
  readonly schema: string;
  /** The event type whose `content` holds it, or null for a definition found inside other objects. */
  readonly eventType: string | null;
  /** The path inside `content` (events) or inside the definition's object. */
  readonly path: readonly string[];
  readonly shape: SecretShape;
  /** The schema's own words that make it a secret. */
  readonly because: string;
}

/** Every secret the spec's schemas describe, by where it sits. */
export const SECRET_LOCATIONS: readonly SecretLocation[] = [
  { schema: 'event-schemas/schema/m.room_key.yaml', eventType: 'm.room_key', path: ['session_key'], shape: 'value', because: 'The key to be exchanged.' },
  { schema: 'event-schemas/schema/m.forwarded_room_key.yaml', eventType: 'm.forwarded_room_key', path: ['session_key'], shape: 'value', because: 'The key to be exchanged.' },
  { schema: 'event-schemas/schema/m.room_key_bundle.yaml', eventType: 'm.room_key_bundle', path: ['file'], shape: 'encrypted_file', because: 'The location and decryption keys for the encrypted RoomKeyBundle.' },
  { schema: 'event-schemas/schema/m.secret.send.yaml', eventType: 'm.secret.send', path: ['secret'], shape: 'value', because: 'The contents of the secret' },
  { schema: 'event-schemas/schema/m.key.verification.start$m.reciprocate.v1.yaml', eventType: 'm.key.verification.start', path: ['secret'], shape: 'value', because: 'The shared secret from the QR code' },
  { schema: 'api/definitions/key_backup_session_data.yaml', eventType: null, path: ['session_key'], shape: 'value', because: 'Unpadded base64-encoded session key in session-export format' },
];

/**
 * JWK members that hold private or symmetric key material (RFC 7518 §6.2.2, §6.3.2,
 * §6.4.1; RFC 8037 §2): `k` of an `oct` key, `d` (and the RSA primes) of a private key.
 * Every other member (`kty`, `alg`, `key_ops`, `ext`, public parts) is public.
 */
export const JWK_PRIVATE_MEMBERS: ReadonlySet<string> = new Set(['k', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);

/**
 * Names the engine's own vocabulary gives key material that no event schema carries
 * (a user entering a recovery key or passphrase, a private key handed to the API), as the
 * spec's prose names them: "private key", "recovery key", "passphrase", and olm's
 * "pickle". Only a string value is secret: the spec's `passphrase` object of secret
 * storage (`algorithm`, `salt`, `iterations`) is public.
 */
export const KEY_MATERIAL_NAME = /^(?:private_?key|recovery_?key|passphrase|pickle)$/i;

/** Locations by event type, for the walk. */
export const SECRETS_BY_EVENT_TYPE: ReadonlyMap<string, readonly SecretLocation[]> = groupByType(SECRET_LOCATIONS);

/**
 * Leaf names the table gives secret values (`session_key`, `secret`): also secret wherever
 * they appear in to-device content, a rejected input or anything that leaves the engine,
 * because there a misnamed or malformed event still carries the key.
 */
export const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set(
  SECRET_LOCATIONS.filter((l) => l.shape === 'value').map((l) => l.path[l.path.length - 1]!),
);

function groupByType(locations: readonly SecretLocation[]): Map<string, SecretLocation[]> {
  const out = new Map<string, SecretLocation[]>();
  for (const l of locations) {
    if (l.eventType === null) continue;
    out.set(l.eventType, [...(out.get(l.eventType) ?? []), l]);
  }
  return out;
}
