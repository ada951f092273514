import { defineCodes } from '../codes.js';

const MEGOLM = 'm.megolm.v1.aes-sha2';
const REQUESTS = 'Key requests';
const WITHHELD = 'Reporting that decryption keys are withheld';
const OLM_CHANNEL = 'When a client receives a Megolm session, the client MUST ensure that the session was received via an Olm channel, in order to ensure the authenticity of the messages.';
const TRUSTED_SOURCE = 'that the updated session data comes from a trusted source, such as via a `m.forwarded_room_key` event from a verified device belonging to the same user, or from a `m.room_key` event.';
const LOWER_INDEX = 'that the new session key has a lower message index than the existing session key.';
const OWN_VERIFIED = 'Clients should only send keys requested by the verified devices of the same user, and should only request and accept forwarded keys from verified devices of the same user.';
const KEYS_QUERY_MATCH = 'The keys are returned via a [`/keys/query`](#post_matrixclientv3keysquery) request. Note that both the Curve25519 key **and** the Ed25519 key in the returned device keys structure must match those used in an Olm-encrypted event as above.';
const SENDER_VERIFICATION = 'Verification of the sending user for incoming events';
const WHY_UTD = 'In this way, the receiving client can indicate to the user why it cannot decrypt the event, rather than just showing a generic error message.';

/**
 * Reason codes of the `megolm` slice: sessions (room keys, forwarded keys, updates,
 * requests, withheld notices) and the room events decrypted with them. Quotes joined by
 * ` … ` are each verbatim (checked by `test/projections/codes.test.ts`).
 */
export const megolmCodes = defineCodes([
  // ---- sessions ---------------------------------------------------------------------------
  {
    code: 'room_key.accepted',
    outcome: 'accepted',
    summary: 'A new session from an `m.room_key` in a valid Olm payload, stored under the Olm sender key; authenticated when that key is a known device of the sender.',
    spec: `Clients must also handle \`m.room_key\` events sent by other devices in order to decrypt their messages. … ${OLM_CHANNEL}`,
    section: MEGOLM,
  },
  {
    code: 'room_key.own',
    outcome: 'accepted',
    summary: 'Our own new outbound session, stored as an inbound session too (source `own`, authenticated), so we decrypt our own messages; its key is sealed in the vault.',
    spec: 'beyond the spec: our own device receives no m.room_key from itself, yet its user reads what it sent',
    section: MEGOLM,
  },
  {
    code: 'room_key.not_over_olm',
    outcome: 'rejected',
    summary: 'A room key (`m.room_key`, `m.forwarded_room_key`, `m.room_key_bundle`) arrived as a plaintext to-device event: refused ("trusted impersonation"). Noted under the session only when it names a sender key (a forwarded key\'s `sender_key`): a plaintext `m.room_key` has none, so it is decided about the input and explains no undecryptable event.',
    spec: OLM_CHANNEL,
    section: MEGOLM,
  },
  {
    code: 'room_key.invalid_payload',
    outcome: 'rejected',
    summary: 'A room key came in an Olm payload the olm slice discarded (its `olm.*` code is in the detail): not taken.',
    spec: 'Any event that does not comply with these checks MUST be discarded.',
    section: 'm.olm.v1.curve25519-aes-sha2: Validation of incoming decrypted events',
  },
  {
    code: 'room_key.not_imported',
    outcome: 'rejected',
    summary: 'The room key\'s content is malformed or olm could not import its key: nothing to store.',
    spec: 'beyond the spec: a key that olm cannot import decrypts nothing, and storing it would hide the real key if it came later',
    section: MEGOLM,
  },
  {
    code: 'room_key.session_id_mismatch',
    outcome: 'rejected',
    summary: 'The `session_id` a room key claims is not the ID of its key (as olm computes it on import).',
    spec: 'beyond the spec: a key stored under another session\'s ID would shadow that session, letting its sender decrypt-and-claim messages of a session it did not create (matrix-sdk-crypto checks this too)',
    section: MEGOLM,
  },
  {
    code: 'forwarded_key.accepted',
    outcome: 'accepted',
    summary: 'A new session from an `m.forwarded_room_key` we asked for, over Olm from a verified device of our own user; stored unauthenticated under the original sender key.',
    spec: OWN_VERIFIED,
    section: REQUESTS,
  },
  {
    code: 'room_key.restored',
    outcome: 'accepted',
    summary: 'A new session restored from the trusted server-side key backup (decrypted with our backup private key): stored unauthenticated (source `backup`), as the backup cannot prove who created it.',
    spec: 'Clients must only store keys in backups after they have ensured that the `auth_data` is trusted.',
    section: 'Server-side key backups',
  },
  {
    code: 'room_key.imported',
    outcome: 'accepted',
    summary: 'A new session imported from a key export file the user decrypted with its passphrase: stored unauthenticated (source `import`).',
    spec: 'Keys can be manually exported from one device to an encrypted file, copied to another device, and imported.',
    section: 'Key exports',
  },
  {
    code: 'forwarded_key.other_user',
    outcome: 'rejected',
    summary: 'An `m.forwarded_room_key` from a device of another user: refused, whether or not we hold the session, asked for it, or its key is any good (precedence: `mayAcceptForward`).',
    spec: OWN_VERIFIED,
    section: REQUESTS,
  },
  {
    code: 'forwarded_key.untrusted_sender',
    outcome: 'rejected',
    summary: 'An `m.forwarded_room_key` over an Olm session whose Curve25519 key is not a verified device of our own user (looked up by that key, never by a claimed device ID): refused, whether or not we hold the session, asked for it, or its key is any good.',
    spec: OWN_VERIFIED,
    section: REQUESTS,
  },
  {
    code: 'forwarded_key.unasked_device',
    outcome: 'rejected',
    summary: 'An `m.forwarded_room_key` from a verified own device for a session we asked for, but not from a device the request was sent to (matched by the Olm sender\'s Curve25519 key): refused.',
    spec: 'The first device should then send an [m.room\\_key\\_request](#mroom_key_request) to-device message with `action` set to `request_cancellation` to the other devices that it had originally sent the key request to',
    section: REQUESTS,
  },
  {
    code: 'room_key.request_no_device',
    outcome: 'rejected',
    summary: '`requestRoomKey`: our user has no other verified device, so no `m.room_key_request` is sent (keys are requested only from verified devices of our own user).',
    spec: OWN_VERIFIED,
    section: REQUESTS,
  },
  {
    code: 'forwarded_key.unrequested',
    outcome: 'rejected',
    summary: 'An `m.forwarded_room_key` from a verified own device for a session we have no outstanding request for (`request_room_key`): refused, whether or not we hold the session.',
    spec: 'If a device wishes to share the keys with that device, it can forward the keys to the first device by sending an encrypted [m.forwarded\\_room\\_key](#mforwarded_room_key) to-device message.',
    section: REQUESTS,
  },
  {
    code: 'room_key.requested',
    outcome: 'accepted',
    summary: 'We asked our other devices for a session (`requestRoomKey`, sent to our verified devices, whose devices only may answer; or the `request_room_key` action of older logs, any verified device of ours): a forwarded key for it may be accepted once.',
    spec: 'When a device is missing keys to decrypt messages, it can request the keys by sending [m.room\\_key\\_request](#mroom_key_request) to-device messages to other devices with `action` set to `request`.',
    section: REQUESTS,
  },
  {
    code: 'session_update.accepted',
    outcome: 'accepted',
    summary: 'A stored session was replaced by a key of the same ratchet with a lower first known index, from a trusted source; its authenticity is never raised except by an authenticated `m.room_key`.',
    spec: `${TRUSTED_SOURCE} … ${LOWER_INDEX}`,
    section: MEGOLM,
  },
  {
    code: 'session_update.not_lower_index',
    outcome: 'rejected',
    summary: 'A key for a stored session whose first known index is not lower than the stored one: the stored session is kept.',
    spec: LOWER_INDEX,
    section: MEGOLM,
  },
  {
    code: 'session_update.authenticated',
    outcome: 'accepted',
    summary: 'The creator\'s own `m.room_key` (authenticated) at the same first known index as a stored unauthenticated copy (forwarded, backed up, imported), and the very same key: the session becomes authenticated; `detail.previous_source` says what it was.',
    spec: 'beyond the spec: the spec lets only a lower index update a session; the same key from its creator over Olm is what the stored copy lacked, proof of whose session it is (matrix-sdk-crypto likewise keeps the better-authenticated of two copies of one session)',
    section: MEGOLM,
  },
  {
    code: 'session_update.unconnected',
    outcome: 'rejected',
    summary: 'A lower-index key for a stored session whose ratchet, advanced to the stored index, does not reproduce the stored key (or, for the creator\'s key at the same index, is not the stored key): another ratchet under the same session ID.',
    spec: 'beyond the spec: the spec asks only for a lower index; a key of another ratchet under the same ID would replace the real session (matrix-sdk-crypto calls this "Unconnected")',
    section: MEGOLM,
  },
  {
    code: 'room_key.sender_device_confirmed',
    outcome: 'accepted',
    summary: 'A session whose `m.room_key` came over Olm before any `/keys/query` listed its Curve25519 key becomes authenticated when one does: the listed device is the Olm sender\'s and its Ed25519 key is the one the payload claimed. Decided on the `keys_query` entry; `because` names the room key.',
    spec: KEYS_QUERY_MATCH,
    section: SENDER_VERIFICATION,
  },
  {
    code: 'room_key.sender_device_mismatch',
    outcome: 'rejected',
    summary: 'A `/keys/query` lists the Curve25519 key of an unauthenticated `m.room_key` session under another user than the Olm sender, or with another Ed25519 key than the payload claimed: the session stays unauthenticated for good.',
    spec: `${KEYS_QUERY_MATCH} … A failure to complete these verifications does not necessarily mean that the session is bogus; however it is the case that there is no proof that the claimed sender is accurate, and the user should be warned accordingly.`,
    section: SENDER_VERIFICATION,
  },
  {
    code: 'room_key.withheld',
    outcome: 'flagged',
    summary: 'An `m.room_key.withheld` (plaintext or over Olm) recorded for its session, or for every session of its sender key (`m.no_olm`), to explain missing keys.',
    spec: WHY_UTD,
    section: WITHHELD,
  },
  // ---- room events -------------------------------------------------------------------------
  {
    code: 'megolm.sender_mismatch',
    outcome: 'rejected',
    summary: 'A room event\'s `sender` is not the user who owns the session\'s sender key (CVE-2025-48937).',
    spec: 'Similar to Olm events, clients should confirm that the user who sent the message corresponds to the user the message was expected to come from. … For room events, this means ensuring the event\'s `sender`, `room_id`, and the recorded `session_id` match a trusted session (eg: the `session_id` is already known and validated to the client).',
    section: MEGOLM,
  },
  {
    code: 'megolm.room_mismatch',
    outcome: 'rejected',
    summary: 'The decrypted event\'s `room_id` is missing or not the room it arrived in.',
    spec: 'We include the room ID in the encrypted message, because otherwise the homeserver would be able to change the room a message was sent in.',
    section: MEGOLM,
  },
  {
    code: 'megolm.replayed_index',
    outcome: 'rejected',
    summary: 'A (session, message index) already decrypted for another event ID or timestamp: a replay (the first sighting stays).',
    spec: 'Clients must guard against replay attacks by keeping track of the ratchet indices of Megolm sessions. … Care should be taken in order to avoid false positives, as a client may decrypt the same event twice as part of its normal processing.',
    section: MEGOLM,
  },
  {
    code: 'megolm.session_not_accepted',
    outcome: 'rejected',
    summary: 'A room event was decrypted with a key this ledger has not accepted (e.g. a log replayed under newer rules).',
    spec: 'For room events, this means ensuring the event\'s `sender`, `room_id`, and the recorded `session_id` match a trusted session (eg: the `session_id` is already known and validated to the client).',
    section: MEGOLM,
  },
  {
    code: 'megolm.undecryptable',
    outcome: 'flagged',
    summary: 'A room event could not be decrypted; `detail.cause` says why: no_session, unknown_index, withheld, session_rejected, bad_ciphertext, bad_plaintext, unknown_algorithm.',
    spec: `Usually the key for an undecryptable Megolm-encrypted message will come later, allowing the client to decrypt it successfully. … ${WHY_UTD}`,
    section: WITHHELD,
  },
] as const);

/** A code of this slice, by name. */
export type MegolmCode = keyof typeof megolmCodes;
