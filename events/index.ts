/**
 * The wire codecs of keyledger: Matrix to-device and room events, `/keys/query` and
 * backup version responses, and the ingest envelope. Exported by name, grouped by
 * family: values first, then types.
 */

// decoding and failures
export { decodeWith, describeValue, reportErrors } from './decode.js';
export type { DecodeFailure } from './decode.js';
export { Integer, JsonObject, NonNegativeInteger, StringMap, delegate, dispatchOn, knownAlgorithm } from './codec.js';
export type { DispatchOptions } from './codec.js';

// envelope
export {
  BackupVersionEnvelope, Envelope, KeysQueryEnvelope, RoomEventEnvelope, ToDeviceEnvelope, UserActionEnvelope,
  decodeEnvelope, userActionCodecs,
} from './envelope.js';
export { RoomEvent, ToDeviceEvent } from './event.js';

// event content by type
export {
  RoomMessageContent, contentCodecFor, decodeEventContent, isRoomEventOf, isToDeviceEventOf,
  roomContentCodecs, toDeviceContentCodecs,
} from './content.js';
export type { EventChannel, RoomContentMap, ToDeviceContentMap } from './content.js';

// olm
export { DummyContent, OLM_V1, OlmCiphertextInfo, OlmEncryptedContent, OlmPlaintext, SigningKeys } from './olm.js';

// megolm
export {
  EncryptedContent, EncryptedFile, ForwardedRoomKeyContent, MEGOLM_V1, MegolmEncryptedContent, RoomKeyBundleContent,
  RoomKeyContent, RoomKeyWithheldContent, decodeEncryptedContent,
} from './megolm.js';

// key requests
export { RequestedKeyInfo, RoomKeyRequest, RoomKeyRequestCancellation, RoomKeyRequestContent } from './key-request.js';

// verification
export {
  InRoomFlow, KeyVerificationAcceptContent, KeyVerificationCancelContent,
  KeyVerificationDoneContent, KeyVerificationKeyContent, KeyVerificationMacContent, KeyVerificationReadyContent,
  KeyVerificationRequestContent, KeyVerificationRequestMessageContent, ToDeviceFlow, VerificationRelatesTo, inRoom, toDevice,
  verificationInRoomContent, verificationToDeviceContent,
} from './verification.js';
export { GenericStartContent, KeyVerificationStartContent, ReciprocateV1StartContent, SasV1StartContent } from './verification-start.js';
export type { InRoom, ToDevice } from './verification.js';

// secrets
export { SecretRequest, SecretRequestCancellation, SecretRequestContent, SecretSendContent } from './secrets.js';

// identity keys
export { CrossSigningKey, DeviceKeys, FallbackKeys, KeysQueryResponse, OneTimeKey, OneTimeKeys, SignedKey, Signatures } from './keys.js';

// backup
export {
  BackupVersionResponse, KeyBackupContent, MEGOLM_BACKUP_V1, MegolmBackupV1AuthData, MegolmBackupV1Version,
  UnknownBackupVersion,
} from './backup.js';
