import { defineCodes } from '../codes.js';

const FRAMEWORK = 'Key verification framework';
const SAS = 'Short Authentication String (SAS) verification';
const QR = 'QR codes';
const SECURITY = 'Key and signature security (seed change)';

/**
 * Reason codes of the `verification` slice: interactive verification flows (to-device),
 * their pinned keys and their outcome. The wire cancel code a flow ends with is in each
 * decision's `detail.cancel_code`. Quotes are verbatim (joined by ` … `).
 */
export const verificationCodes = defineCodes([
  {
    code: 'verification.requested',
    outcome: 'accepted',
    summary: 'A verification request was made by us or received from another device: a flow starts, keyed by its transaction ID.',
    spec: 'A key verification session is identified by an ID that is established by the first message sent in that session.',
    section: FRAMEWORK,
  },
  {
    code: 'verification.request_stale',
    outcome: 'rejected',
    summary: 'A to-device request whose `timestamp` is more than 10 minutes before, or more than 5 minutes after, its receipt (the entry\'s `receivedAt`): ignored, no flow (the `m.key.verification.request` schema: "If the request is in the future by more than 5 minutes or more than 10 minutes in the past, the message should be ignored by the receiver").',
    spec: 'The prompt for Bob to accept/reject Alice\'s request (or the unsupported method prompt) should be automatically dismissed 10 minutes after the `timestamp` (in the case of to-device messages) or `origin_server_ts` (in the case of in-room messages) field or 2 minutes after Bob\'s client receives the message, whichever comes first, if Bob does not interact with the prompt.',
    section: FRAMEWORK,
  },
  {
    code: 'verification.step',
    outcome: 'accepted',
    summary: 'A flow moved on (ready, started, accepted, keys exchanged, MAC): the step is in `detail.step`.',
    spec: 'Individual verification methods may add additional steps, events, and properties to the verification messages.',
    section: FRAMEWORK,
  },
  {
    code: 'verification.keys_pinned',
    outcome: 'accepted',
    summary: 'When the flow starts, every key under verification is fixed by its public key: the other device\'s ed25519 key and the other user\'s master key (ours for a self-verification); the transcript lists them.',
    spec: 'Clients MUST fix the keys that are being verified at the beginning of the verification process, and ensure that they do not change in the course of verification.',
    section: SECURITY,
  },
  {
    code: 'verification.sas_ready',
    outcome: 'accepted',
    summary: 'Both ephemeral keys are known and the commitment (if we started) matched: the SAS (7 emoji, 3 numbers) is in the flow for the user to compare.',
    spec: 'Both Alice and Bob\'s devices display a SAS to their users, which is derived from the shared key using one of the methods in this section.',
    section: SAS,
  },
  {
    code: 'verification.mismatched_commitment',
    outcome: 'rejected',
    summary: 'The hash of the other device\'s ephemeral key and our start message is not the commitment of its accept: cancelled with `m.mismatched_commitment`.',
    spec: '`m.mismatched_commitment`: The hash commitment did not match.',
    section: SAS,
  },
  {
    code: 'verification.mismatched_sas',
    outcome: 'rejected',
    summary: 'The user said the SAS do not match (`confirmSas(id, false)`): cancelled with `m.mismatched_sas`.',
    spec: 'If the user claims the Short Authentication Strings do not match, the device should send an appropriate `m.key.verification.cancel` message to the other device.',
    section: SAS,
  },
  {
    code: 'verification.key_mismatch',
    outcome: 'rejected',
    summary: 'A MAC does not verify, covers a key ID outside the pinned set (a device ID equal to a cross-signing key included), or a pinned key changed since the start: cancelled with `m.key_mismatch`, nothing is verified.',
    spec: 'Clients MUST refer to keys by their public keys during the verification process, rather than only by the key ID.',
    section: SECURITY,
  },
  {
    code: 'verification.key_id_collision',
    outcome: 'rejected',
    summary: 'The other user has a device whose ID equals one of their cross-signing public keys (the identities slice\'s `device_id_collides_with_cross_signing_key` flag): the verification is refused (or a running flow cancelled) with `m.key_mismatch`.',
    spec: 'Clients SHOULD also display a warning and MUST refuse to verify a user when they detect that the user has a device with the same ID as a cross-signing key.',
    section: SECURITY,
  },
  {
    code: 'verification.unknown_device',
    outcome: 'rejected',
    summary: 'The other device\'s keys are not known (no valid `/keys/query` listing): there is no key to pin, so the flow is cancelled with `m.key_mismatch` (beyond the spec: nothing is verified against a key we never saw).',
    spec: 'Before Alice can send an encrypted message to Bob, she needs a list of each of his devices and the associated identity keys, so that she can establish an encryption session with each device.',
    section: 'Tracking the device list for a user',
  },
  {
    code: 'verification.unexpected_message',
    outcome: 'rejected',
    summary: 'A verification message out of sequence, or not from the flow\'s other device: cancelled with `m.unexpected_message`.',
    spec: 'If the device receives a message out of sequence or that it was not expecting, it should notify the other device with an appropriate `m.key.verification.cancel` message.',
    section: SAS,
  },
  {
    code: 'verification.unknown_method',
    outcome: 'rejected',
    summary: 'No common method (verification method, key agreement, hash, MAC or SAS method; `hkdf-hmac-sha256` only if nothing newer is offered): cancelled with `m.unknown_method`.',
    spec: '`m.unknown_method`: The devices are unable to agree on the key agreement, hash, MAC, or SAS method.',
    section: SAS,
  },
  {
    code: 'verification.qr_scanned',
    outcome: 'accepted',
    summary: 'The other device sent `m.key.verification.start` with `m.reciprocate.v1` and the shared secret of the QR code we showed (compared in memory; the log has only the result): the user is asked to confirm the other device scanned it (`confirmSas(id)`); the code\'s mode is in `detail.mode`.',
    spec: 'Upon receipt of the `m.key.verification.start` message, Bob\'s device ensures that the shared secret matches. … If the shared secret does match, it asks Bob to confirm that Alice has scanned the QR code.',
    section: QR,
  },
  {
    code: 'verification.qr_secret_mismatch',
    outcome: 'rejected',
    summary: 'The secret of an `m.reciprocate.v1` start is missing or is not the one of the QR code we showed (or we showed none, e.g. after a restart): cancelled with `m.key_mismatch`, nothing is verified.',
    spec: 'If the shared secret does not match, it should display an error message indicating that an attack was attempted.',
    section: QR,
  },
  {
    code: 'verification.qr_key_mismatch',
    outcome: 'rejected',
    summary: 'A QR code we scanned (`scanVerificationQrCode`) does not carry, for its mode, the pinned keys and ours by public key, names another flow, or claims a mode that does not fit the flow (0x00 for another user, 0x01/0x02 for our own): cancelled with `m.key_mismatch`, nothing is verified.',
    spec: 'Alice\'s device ensures that the keys encoded in the QR code match the expected values for the keys. If not, Alice\'s device displays an error message indicating that the code is incorrect, and sends a `m.key.verification.cancel` message to Bob\'s device.',
    section: QR,
  },
  {
    code: 'verification.timeout',
    outcome: 'rejected',
    summary: 'The flow did not finish within 10 minutes of its request (by the entries\' `receivedAt`): cancelled with `m.timeout`.',
    spec: 'Clients should time out a verification that does not complete within 10 minutes.',
    section: SAS,
  },
  {
    code: 'verification.accepted_elsewhere',
    outcome: 'flagged',
    summary: 'We asked several devices of a user and one answered: the others (and any later answer) get `m.key.verification.cancel` with `m.accepted`.',
    spec: 'Alice will send an `m.key.verification.cancel` event to Bob\'s other devices with a `code` of `m.accepted` in the case where Bob accepted the verification',
    section: FRAMEWORK,
  },
  {
    code: 'verification.cancelled',
    outcome: 'rejected',
    summary: 'The flow was cancelled by the other device (its code is kept) or by the user (`m.user`).',
    spec: 'Verifications can be cancelled by either device at any time by sending an [`m.key.verification.cancel`](#mkeyverificationcancel) event with a `code` field that indicates the reason it was cancelled.',
    section: FRAMEWORK,
  },
  {
    code: 'verification.unknown_flow',
    outcome: 'flagged',
    summary: 'A verification message for a transaction we do not know, or from a user other than the flow\'s: ignored.',
    spec: 'When a device receives an unknown `transaction_id`, it should send an appropriate `m.key.verification.cancel` message to the other device indicating as such.',
    section: SAS,
  },
  {
    code: 'verification.encrypted_event_refused',
    outcome: 'flagged',
    summary: 'A verification event of an encrypted room decrypted, but the megolm rules refused the decryption (the sender does not own the session, the plaintext names another room, a replayed message index): the flow does not see it.',
    spec: 'For room events, this means ensuring the event\'s `sender`, `room_id`, and the recorded `session_id` match a trusted session (eg: the `session_id` is already known and validated to the client).',
    section: 'm.megolm.v1.aes-sha2',
  },
  {
    code: 'verification.done',
    outcome: 'accepted',
    summary: 'Both MACs exchanged, ours after the user confirmed the SAS, theirs verified over pinned keys only: the device (and, for another user, the master key) is verified; `deviceTrust` / `identityState` report it with this decision\'s seq.',
    spec: 'When the other device receives the `m.key.verification.mac` message, the device calculates the MACs of its copies of the other device\'s keys given in the message, as well as the MAC of the comma-separated, sorted, list of key IDs in the message. The device compares these with the MAC values given in the message, and if everything matches then the device keys are verified.',
    section: SAS,
  },
]);

export type VerificationCode = keyof typeof verificationCodes;
