import { defineCodes } from '../codes.js';

const CROSS_SIGNING = 'Cross-signing';
const SECURITY = 'Key and signature security';
const VERIFICATION = 'Key verification framework';

/**
 * Reason codes of our own cross-signing identity (the `identities` slice): the private
 * keys we hold, whether the identity the server publishes for us is the one we hold, and
 * the signatures we are asked to make. Quotes are verbatim (checked by
 * `test/projections/codes.test.ts`).
 */
export const ownCrossSigningCodes = defineCodes([
  {
    code: 'own_cross_signing.keys_held',
    outcome: 'accepted',
    summary: 'We hold the private parts of these cross-signing keys (made by bootstrap, or imported from secret storage, secret sharing or the user), sealed in the vault; the fact names their public keys only.',
    spec: 'Using the [Secrets](#secrets) module the private parts of the cross-signing keys can be stored on the server or shared with other devices.',
    section: CROSS_SIGNING,
  },
  {
    code: 'own_cross_signing.import_mismatch',
    outcome: 'rejected',
    summary: 'An imported private cross-signing key does not derive to the public key of that role in our own identity as our last /keys/query listed it: nothing of the import is kept.',
    spec: 'A user\'s master signing key could allow an attacker to impersonate that user to other users, or other users to that user.',
    section: SECURITY,
  },
  {
    code: 'own_cross_signing.import_no_identity',
    outcome: 'rejected',
    summary: 'Private cross-signing keys were offered before any /keys/query listed our own cross-signing keys: there is nothing to check them against, so nothing is kept.',
    spec: 'Thus clients must ensure that the private part of the master signing key is treated securely.',
    section: SECURITY,
  },
  {
    code: 'own_identity.trusted',
    outcome: 'accepted',
    summary: 'The master key our own /keys/query lists is the one whose private part we hold: our own identity is trusted (our devices it cross-signs are verified, and users our user-signing key signs too).',
    spec: 'Alice\'s device is using a master signing key that has signed her user-signing key,',
    section: CROSS_SIGNING,
  },
  {
    code: 'own_identity.master_mismatch',
    outcome: 'flagged',
    summary: 'Our own /keys/query lists a master key other than the one whose private part we hold (another device reset it, or the server lies): our identity is not trusted through the key we hold.',
    spec: 'A user\'s master signing key could allow an attacker to impersonate that user to other users, or other users to that user.',
    section: SECURITY,
  },
  {
    code: 'cross_sign.device_signed',
    outcome: 'accepted',
    summary: 'A device of ours is signed with our self-signing key: a signature_upload request carries the signature.',
    spec: 'a self-signing key (SSK) that signs the user\'s own device keys.',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_sign.user_signed',
    outcome: 'accepted',
    summary: 'Another user\'s master key is signed with our user-signing key: a signature_upload request carries the signature.',
    spec: 'a user-signing key (USK) -- only visible to the user that it belongs to -- that signs other users\' master signing keys; and',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_sign.no_private_key',
    outcome: 'rejected',
    summary: 'Asked to sign a device (or a user) while we hold no private self-signing (or user-signing) key, or the one we hold is not the one our identity publishes.',
    spec: 'Clients will need to balance the security of the keys with the usability of signing users and devices when performing key verification.',
    section: CROSS_SIGNING,
  },
  {
    code: 'cross_sign.unknown_device',
    outcome: 'rejected',
    summary: 'Asked to sign a device of ours that no /keys/query listed with valid keys (or whose keys changed, or that was deleted).',
    spec: 'Clients MUST refer to keys by their public keys during the verification process, rather than only by the key ID.',
    section: VERIFICATION,
  },
  {
    code: 'cross_sign.unknown_identity',
    outcome: 'rejected',
    summary: 'Asked to sign a user whose master key we do not know, or whose listed master key is not the one pinned or approved.',
    spec: 'Clients MUST fix the keys that are being verified at the beginning of the verification process, and ensure that they do not change in the course of verification.',
    section: VERIFICATION,
  },
  {
    code: 'cross_sign.key_id_collision',
    outcome: 'rejected',
    summary: 'Asked to sign a device whose ID equals one of its user\'s cross-signing public keys, or a user who has such a device: refused.',
    spec: 'Clients SHOULD also display a warning and MUST refuse to verify a user when they detect that the user has a device with the same ID as a cross-signing key.',
    section: VERIFICATION,
  },
]);

export type OwnCrossSigningCode = keyof typeof ownCrossSigningCodes;
