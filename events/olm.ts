/**
 * Olm (`m.olm.v1.curve25519-aes-sha2`): the encrypted to-device content, the plaintext
 * payload inside it (`api/definitions/olm_plaintext.yaml`), and `m.dummy`.
 */
import * as t from 'io-ts';
import { JsonObject, knownAlgorithm } from './codec.js';
import { DeviceKeys } from './keys.js';

/** The Olm algorithm name. */
export const OLM_V1 = 'm.olm.v1.curve25519-aes-sha2';

/** One Olm message for one recipient: `type` 0 is a pre-key message, 1 a normal message. */
export const OlmCiphertextInfo = t.type({
  type: t.union([t.literal(0), t.literal(1)]),
  body: t.string,
}, 'CiphertextInfo');
export type OlmCiphertextInfo = t.TypeOf<typeof OlmCiphertextInfo>;

/** `m.room.encrypted` content with Olm: recipient Curve25519 identity key → Olm message. */
export const OlmEncryptedContent = t.type({
  algorithm: knownAlgorithm(OLM_V1),
  /** The sender's Curve25519 identity key (required for Olm, unlike Megolm). */
  sender_key: t.string,
  ciphertext: t.record(t.string, OlmCiphertextInfo),
}, 'OlmEncryptedContent');
export type OlmEncryptedContent = t.TypeOf<typeof OlmEncryptedContent>;

/** Public keys named in an Olm payload; only `ed25519` is defined. */
export const SigningKeys = t.type({ ed25519: t.string }, 'SigningKeys');
export type SigningKeys = t.TypeOf<typeof SigningKeys>;

/**
 * The decrypted Olm payload. Decoding checks only its shape: whether `sender`,
 * `recipient`, `recipient_keys` and `keys` match the Olm session is a rule with a
 * reason code, and the inner `content` is decoded by its `type` with
 * `decodeEventContent`.
 */
export const OlmPlaintext = t.intersection([
  t.type({
    type: t.string,
    content: JsonObject,
    sender: t.string,
    recipient: t.string,
    recipient_keys: SigningKeys,
    keys: SigningKeys,
  }),
  t.partial({ sender_device_keys: DeviceKeys }),
], 'OlmPlaintext');
export type OlmPlaintext = t.TypeOf<typeof OlmPlaintext>;

/** `m.dummy`: empty content, sent only to set up a fresh Olm session. */
export const DummyContent = t.type({}, 'DummyContent');
export type DummyContent = t.TypeOf<typeof DummyContent>;
