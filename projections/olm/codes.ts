import { defineCodes } from '../codes.js';

const VALIDATION = 'm.olm.v1.curve25519-aes-sha2: Validation of incoming decrypted events';
const SENDER = 'm.olm.v1.curve25519-aes-sha2: Verification of the sending user for incoming events';
const OLM = 'm.olm.v1.curve25519-aes-sha2';
const DISCARDED = 'Any event that does not comply with these checks MUST be discarded.';

/**
 * Reason codes of the `olm` slice: the spec's checks on every Olm-decrypted payload, Olm
 * replays and failures, and to-device events that should have come over Olm and did not.
 * Quotes joined by ` … ` are each verbatim (checked by `test/projections/codes.test.ts`).
 */
export const olmCodes = defineCodes([
  {
    code: 'olm.payload_accepted',
    outcome: 'accepted',
    summary: 'An Olm payload passed every check, and its sender key belongs to a cross-signed or verified device of its sender.',
    spec: 'After decrypting an incoming encrypted event, clients MUST apply the following checks:',
    section: VALIDATION,
  },
  {
    code: 'olm.sender_unverified',
    outcome: 'flagged',
    summary: 'An Olm payload passed every check, but nothing proves its Curve25519 key belongs to its sender (unknown, not cross-signed or unverified device): kept, with a warning.',
    spec: 'A failure to complete these verifications does not necessarily mean that the session is bogus; however it is the case that there is no proof that the claimed sender is accurate, and the user should be warned accordingly.',
    section: SENDER,
  },
  {
    code: 'olm.plaintext_invalid',
    outcome: 'rejected',
    summary: 'The decrypted Olm plaintext is not JSON or not an Olm payload (type, content, sender, recipient, recipient_keys, keys): discarded.',
    spec: DISCARDED,
    section: VALIDATION,
  },
  {
    code: 'olm.payload_too_deep',
    outcome: 'rejected',
    summary: 'The decrypted Olm plaintext nests deeper than the bound (64 levels): discarded before anything walks it; the ledger goes on.',
    spec: 'beyond the spec: a remote sender must not be able to exhaust the stack of the writer (the design rule "every walk over received JSON is bounded in depth and size before it starts")',
    section: VALIDATION,
  },
  {
    code: 'olm.payload_duplicate_key',
    outcome: 'rejected',
    summary: 'The decrypted Olm plaintext has an object with the same key twice: discarded (the plaintext stays sealed), since two parsers may read different payloads.',
    spec: 'beyond the spec: Matrix canonical JSON has each key once; the design rule "duplicate keys are refused rather than resolved"',
    section: VALIDATION,
  },
  {
    code: 'olm.payload_integer_out_of_range',
    outcome: 'rejected',
    summary: 'The decrypted Olm plaintext holds a number outside the canonical JSON range ±(2^53−1): discarded rather than rounded.',
    spec: 'beyond the spec: Matrix canonical JSON allows only integers in [-(2**53)+1, (2**53)-1]',
    section: VALIDATION,
  },
  {
    code: 'olm.sender_mismatch',
    outcome: 'rejected',
    summary: 'The payload\'s `sender` is not the event\'s outer `sender`: discarded.',
    spec: `The \`sender\` property in the decrypted content must match the \`sender\` of the event. … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.recipient_mismatch',
    outcome: 'rejected',
    summary: 'The payload\'s `recipient` is not our user ID: discarded.',
    spec: `The \`recipient\` property in the decrypted content must match the user ID of the local user. … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.recipient_keys_mismatch',
    outcome: 'rejected',
    summary: 'The payload\'s `recipient_keys.ed25519` is not our device\'s ed25519 key: discarded.',
    spec: `The \`recipient_keys.ed25519\` property in the decrypted content must match the client device's [Ed25519 signing key](#device-keys). … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.sender_device_keys_user_mismatch',
    outcome: 'rejected',
    summary: '`sender_device_keys.user_id` is not the event\'s sender (CVE-2026-45056): discarded.',
    spec: `\`sender_device_keys.user_id\` must also match the \`sender\` of the event. … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.sender_device_keys_curve_mismatch',
    outcome: 'rejected',
    summary: '`sender_device_keys` lists another curve25519 key than the Olm session\'s sender key: discarded.',
    spec: `\`sender_device_keys.keys.curve25519:<device_id>\` must match the \`sender_key\` property in the cleartext \`m.room.encrypted\` event body. … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.sender_device_keys_ed25519_mismatch',
    outcome: 'rejected',
    summary: '`sender_device_keys` lists another ed25519 key than the payload\'s `keys.ed25519`: discarded.',
    spec: `\`sender_device_keys.keys.ed25519:<device_id>\` must be the same as the \`keys.ed25519\` property in the decrypted content. … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.sender_device_keys_bad_signature',
    outcome: 'rejected',
    summary: '`sender_device_keys` is malformed or its self-signature by `ed25519:<device_id>` does not verify: discarded.',
    spec: `The \`sender_device_keys\` structure must have a valid signature from the key with ID \`ed25519:<device_id>\` (i.e., the sending device's Ed25519 key). … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.sender_not_key_owner',
    outcome: 'rejected',
    summary: 'The Olm session\'s Curve25519 key belongs (per /keys/query) to a device of another user than the payload\'s sender: discarded.',
    spec: 'In addition, for each Olm session, clients MUST verify that the Curve25519 key used to establish the Olm session does indeed belong to the claimed `sender`.',
    section: SENDER,
  },
  {
    code: 'olm.sender_ed25519_mismatch',
    outcome: 'rejected',
    summary: 'The payload\'s `keys.ed25519` is not the ed25519 key of the device that owns the Olm sender key (from /keys/query or `sender_device_keys`): discarded.',
    spec: `The \`keys.ed25519\` property in the decrypted content must match the Ed25519 identity key of the sending device. … ${DISCARDED}`,
    section: VALIDATION,
  },
  {
    code: 'olm.replayed_message',
    outcome: 'rejected',
    summary: 'The very same Olm ciphertext was decrypted before: the replay is discarded.',
    spec: 'beyond the spec: an Olm ratchet never decrypts a message twice, except a pre-key message sent to a fallback key (which is not removed after use), so a replayed pre-key message could deliver the same payload again',
    section: OLM,
  },
  {
    code: 'olm.undecryptable',
    outcome: 'rejected',
    summary: 'An Olm to-device event could not be decrypted (not for our key, no session, or olm refused it); `detail.reason` says which.',
    spec: 'Messages with type 1 can only be decrypted with an existing session. If there is no matching session, the client must treat this as an invalid message.',
    section: OLM,
  },
  {
    code: 'to_device.not_olm',
    outcome: 'rejected',
    summary: 'A to-device `m.room.encrypted` not encrypted with Olm v1 (e.g. Megolm): nothing it carries is authenticated as coming from its sender device.',
    spec: 'beyond the spec: a Megolm-encrypted to-device event is authenticated only by a group session that every member of a room holds, so its content could come from any of them ("trusted impersonation", Albrecht et al., IEEE S&P 2023)',
    section: OLM,
  },
  {
    code: 'secret.not_over_olm',
    outcome: 'rejected',
    summary: 'An `m.secret.send` arrived in plaintext, not as an Olm-decrypted payload: its secret is not taken.',
    spec: 'A device that wishes to share the secret will reply with an `m.secret.send` event, encrypted using olm.',
    section: 'Secrets: Sharing',
  },
] as const);

/** A code of this slice, by name. */
export type OlmCode = keyof typeof olmCodes;
