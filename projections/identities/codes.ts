import { defineCodes } from '../codes.js';

const DEVICE_KEYS = 'Device keys';
const TRACKING = 'Tracking the device list for a user';
const CROSS_SIGNING = 'Cross-signing';
const SECURITY = 'Key and signature security (seed change)';
const RECOMMENDED = 'Recommended client behaviour';
const VERIFICATION = 'Device verification';
const SENDER = 'Verification of the sending user for incoming events';

/**
 * Reason codes of the `identities` slice: device keys, cross-signing keys, pinned master
 * keys and the user's own verification actions. Several quotes joined by ` … ` are each
 * verbatim; `test/projections/codes.test.ts` checks them against the reference spec.
 */
export const identityCodes = defineCodes([
  // ---- device keys (rule 1, rule 8) -----------------------------------------------------
  {
    code: 'device.added',
    outcome: 'accepted',
    summary: 'A device listed by /keys/query passed every check and was stored (or a deleted one came back with its same keys).',
    spec: 'Furthermore, it is likely that this list will need to be persisted between invocations of the client application (to preserve device verification data and to alert Alice if Bob suddenly gets a new device).',
    section: TRACKING,
  },
  {
    code: 'device_keys.malformed',
    outcome: 'rejected',
    summary: 'A listed device is not a valid device keys object, or its keys are not `<algorithm>:<device_id>` → 32-byte unpadded base64.',
    spec: 'The key is a 32-byte Ed25519 public key, encoded using [unpadded Base64](/appendices/#unpadded-base64). … The key is a 32-byte Curve25519 public key, encoded using [unpadded Base64](/appendices/#unpadded-base64).',
    section: 'Key algorithms',
  },
  {
    code: 'device_keys.ids_mismatch',
    outcome: 'rejected',
    summary: 'A device\'s user_id or device_id is not the user / device ID it is listed under.',
    spec: 'Before Alice can send an encrypted message to Bob, she needs a list of each of his devices and the associated identity keys, so that she can establish an encryption session with each device.',
    section: TRACKING,
  },
  {
    code: 'device_keys.bad_signature',
    outcome: 'rejected',
    summary: 'A device\'s self-signature by ed25519:<device_id> is missing or does not verify over its canonical JSON.',
    spec: 'This key is used as the fingerprint for a device by other clients, and signs the device\'s other keys.',
    section: DEVICE_KEYS,
  },
  {
    code: 'device_keys.changed',
    outcome: 'rejected',
    summary: 'A known device ID was listed with another ed25519 or curve25519 key: an anomaly; the new keys are refused and the device is never trusted again.',
    spec: 'Each device should have one Ed25519 signing key. … For Olm version 1, each device also requires a single Curve25519 identity key.',
    section: DEVICE_KEYS,
  },
  {
    code: 'device_keys.duplicate_curve_key',
    outcome: 'rejected',
    summary: 'A new device claims a curve25519 key that already belongs to another device (ours included).',
    spec: '(In particular, the Ed25519 key must be present in the **encrypted** content of an Olm-encrypted event to prevent an attacker from claiming another user\'s Curve25519 key as their own.)',
    section: SENDER,
  },
  {
    code: 'device.deleted',
    outcome: 'accepted',
    summary: 'A known device is missing from a later listing of its user: marked deleted, not forgotten.',
    spec: 'When the request completes, it stores the resulting list of devices in persistent storage, and clears the \'outdated\' flag.',
    section: TRACKING,
  },
  {
    code: 'device.cross_signed',
    outcome: 'accepted',
    summary: 'The user\'s current self-signing key\'s signature on the device keys verified.',
    spec: 'a self-signing key (SSK) that signs the user\'s own device keys.',
    section: CROSS_SIGNING,
  },
  // ---- cross-signing keys (rule 2) -------------------------------------------------------
  {
    code: 'cross_signing.malformed',
    outcome: 'rejected',
    summary: 'A cross-signing key is not a valid object, or its key ID is not `ed25519:<public key>` with that 32-byte public key as value.',
    spec: 'Since device key IDs (`ed25519:DEVICE_ID`) and cross-signing key IDs (`ed25519:PUBLIC_KEY`) occupy the same namespace, clients must ensure that they use the correct keys when verifying.',
    section: SECURITY,
  },
  {
    code: 'cross_signing.wrong_user',
    outcome: 'rejected',
    summary: 'A cross-signing key\'s user_id is not the user it is listed under.',
    spec: 'With cross-signing, each user has a set of cross-signing key pairs that are used to sign their own device keys and other users\' keys, and can be used to trust device keys that were not verified directly.',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_signing.wrong_usage',
    outcome: 'rejected',
    summary: 'A key listed as master / self-signing / user-signing does not have exactly that usage.',
    spec: 'Each user has three ed25519 key pairs used for cross-signing (cross-signing keys):',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_signing.not_one_key',
    outcome: 'rejected',
    summary: 'A cross-signing key object holds no key or more than one.',
    spec: 'Each user has three ed25519 key pairs used for cross-signing (cross-signing keys):',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_signing.not_signed_by_master',
    outcome: 'rejected',
    summary: 'A self-signing or user-signing key carries no valid signature by the user\'s current master key.',
    spec: 'a master signing key (MSK, for historical reasons sometimes known as `master_key`) that serves as the user\'s identity in cross-signing and signs their user-signing and self-signing keys;',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_signing.subkey_accepted',
    outcome: 'accepted',
    summary: 'A new self-signing or user-signing key, signed by the current master key, replaced the previous one (devices / users are re-checked).',
    spec: 'A user\'s user-signing and self-signing keys are intended to be easily replaceable if they are compromised by re-issuing a new key signed by the user\'s master signing key and possibly by re-verifying devices or users.',
    section: 'Key and signature security',
  },
  {
    code: 'cross_signing.user_signed',
    outcome: 'accepted',
    summary: 'Our user-signing key\'s signature on this user\'s master key verified: the user is verified while our own identity is trusted.',
    spec: 'a user-signing key (USK) -- only visible to the user that it belongs to -- that signs other users\' master signing keys; and',
    section: CROSS_SIGNING,
  },
  // ---- pinning (rule 4) -------------------------------------------------------------------
  {
    code: 'identity.pinned',
    outcome: 'accepted',
    summary: 'The first valid master key seen for a user is pinned (trust on first use).',
    spec: 'and that self-signing key must itself have been validated (either via [explicit verification](#device-verification) or a "trust on first use" (TOFU) mechanism).',
    section: SENDER,
  },
  {
    code: 'identity.changed',
    outcome: 'flagged',
    summary: 'A user\'s master key changed: the user needs approval and nothing derived from the new key is trusted until then.',
    spec: 'If a user\'s client sees that any other user has changed their master key, that client must notify the user about the change before allowing communication between the users to continue.',
    section: 'Key and signature security',
  },
  {
    code: 'identity.verification_violation',
    outcome: 'flagged',
    summary: 'The master key of a user we had verified changed (kept distinct from a plain change).',
    spec: 'Bob\'s clients may behave differently depending on whether Bob had previously [verified](#device-verification) Alice or not. For example, if Bob had previously verified Alice, and Alice\'s keys change, Bob\'s client may require Bob to re-verify, or may display a more aggressive warning.',
    section: RECOMMENDED,
  },
  {
    code: 'identity.approved',
    outcome: 'accepted',
    summary: 'The user approved a changed master key (`approve_identity`): it is pinned; an earlier verification does not carry over.',
    spec: 'If Bob is in an encrypted room with Alice, Bob\'s devices SHOULD inform him of Alice\'s key change and SHOULD prevent him from sending an encrypted message to Alice without acknowledging the change.',
    section: RECOMMENDED,
  },
  {
    code: 'identity.approval_refused',
    outcome: 'rejected',
    summary: '`approve_identity` named a master key that is not the user\'s current one (or an unknown user).',
    spec: 'Clients MUST refer to keys by their public keys during the verification process, rather than only by the key ID.',
    section: SECURITY,
  },
  // ---- manual verification (rule 5) -------------------------------------------------------
  {
    code: 'device.verified',
    outcome: 'accepted',
    summary: '`verify_device` with the device\'s current ed25519 key: the device is verified, pinned to that key.',
    spec: 'Alice and Bob may also read aloud their unpadded base64 encoded Ed25519 public key, as returned by `/keys/query`.',
    section: VERIFICATION,
  },
  {
    code: 'device.verification_refused',
    outcome: 'rejected',
    summary: '`verify_device` refused: the key is not the device\'s current key, or the device is unknown, deleted, changed or its user has a key-ID collision.',
    spec: 'Clients MUST fix the keys that are being verified at the beginning of the verification process, and ensure that they do not change in the course of verification.',
    section: SECURITY,
  },
  {
    code: 'identity.verified',
    outcome: 'accepted',
    summary: '`verify_identity` with the user\'s current master key: the identity is verified (and pinned) by that public key.',
    spec: 'When Alice [verifies](#device-verification) Bob, the verification SHOULD verify their [cross-signing keys](#cross-signing).',
    section: RECOMMENDED,
  },
  {
    code: 'identity.verification_refused',
    outcome: 'rejected',
    summary: '`verify_identity` refused: not the current master key, no known master key, or the user has a device ID that collides with a cross-signing key.',
    spec: 'Clients MUST refer to keys by their public keys during the verification process, rather than only by the key ID. … Clients SHOULD also display a warning and MUST refuse to verify a user when they detect that the user has a device with the same ID as a cross-signing key.',
    section: SECURITY,
  },
  // ---- key-ID namespace (rule 6) ----------------------------------------------------------
  {
    code: 'device_id_collides_with_cross_signing_key',
    outcome: 'flagged',
    summary: 'A device ID equals the public key of one of its user\'s cross-signing keys (current or pinned): the device is blocked, verifying the user is refused, and while the flag stands nothing of that user is `verified` (not by our user-signing key, not by an earlier verification, not by cross-signing); the trust selectors give this code as the reason.',
    spec: 'While servers MUST not allow devices to have the same IDs as cross-signing keys, a malicious server could construct such a situation, so clients must not rely on the server being well-behaved and should take the following precautions against this',
    section: SECURITY,
  },
] as const);

/** A code of this slice, by name. */
export type IdentityCode = keyof typeof identityCodes;
