/**
 * keyledger/testkit: simulated Matrix users and devices with real olm keys, producing
 * real, verifiable Matrix JSON (device keys, cross-signing keys, Olm to-device events,
 * Megolm room events, forwarded room keys, `/keys/query` bodies) for tests and demos.
 */
export { canonicalJson, signingPayload, signJson, unpaddedBase64 } from './signing.js';
export { SimDevice, OLM_ALGORITHM, MEGOLM_ALGORITHM } from './sim-device.js';
export type { EncryptToDeviceOptions, DecryptedToDevice } from './sim-device.js';
export { SimOutboundGroupSession, exportSessionAt, forwardedRoomKeyContent } from './megolm.js';
export type { MegolmEncryptOptions, MegolmSender, ForwardedRoomKeyFields } from './megolm.js';
export { SimUser } from './sim-user.js';
export type { CrossSigningRole } from './sim-user.js';
export { keysQueryResponse, mergeKeysQueryResponses } from './keys-query.js';
export type { KeysQueryUser } from './keys-query.js';
export type * from './types.js';
