/**
 * keyledger: an event-sourced crypto state engine for Matrix end-to-end encryption.
 *
 * Open a ledger, feed it every to-device and room event the client receives, and read
 * back deterministic, explainable state and decisions.
 */

// ---- values ---------------------------------------------------------------------------
export { openLedger, Ledger } from './ledger.js';
export { openLogSource } from './analysis/source.js';
export {
  KeyledgerError,
  LedgerLockedError,
  LedgerNotFoundError,
  LedgerIdentityMismatchError,
  LedgerReadOnlyError,
  LedgerClosedError,
  LedgerWriteError,
  InputDecodeError,
  VaultKeyError,
  CorruptStoreError,
} from './errors.js';
export { redactSecrets, redactRawText, REDACTED } from './redact.js';
export { canonicalJson } from './canonical.js';
export { ENGINE_VERSION } from './version.js';
export { decodeEnvelope } from '../events/envelope.js';
export { logSummary } from '../projections/log/slice.js';
export {
  ownDevice,
  deviceRecord,
  deviceTrust,
  isOwnVerifiedDevice,
  deviceByCurveKey,
  identityState,
  identityDetail,
  knownUsers,
  knownDevices,
} from '../projections/identities/selectors.js';
export { identityCodes } from '../projections/identities/codes.js';
export {
  megolmSession,
  megolmSessionForEvent,
  sessionProvenance,
  utdCause,
  keyRequest,
  withheldNotice,
  sessionRejection,
  indexSighting,
} from '../projections/megolm/selectors.js';
export { olmPayloadVerdict, olmCiphertextSeen } from '../projections/olm/selectors.js';
export { megolmCodes } from '../projections/megolm/codes.js';
export { olmCodes } from '../projections/olm/codes.js';
export { defaultSlices, reasonCodes } from '../projections/index.js';

// ---- types ----------------------------------------------------------------------------
export type { LedgerOptions, Durability, IngestResult, IngestOutcome, ReplayOptions, DecryptedRoomEvent } from './ledger.js';
export type { RoomEventPlaintext } from './ingest/ingestor.js';
export type { LogSource } from './analysis/source.js';
export type { SessionRecord, SessionAuthenticity, SessionSourceType } from '../projections/megolm/state.js';
export type { SessionProvenance } from '../projections/megolm/selectors.js';
export type { UtdCause, UtdCauseName } from '../projections/megolm/utd.js';
export type { OlmVerdict } from '../projections/olm/state.js';
export type { FactPayloads, OlmDecryptedPayload, OlmUndecryptablePayload, MegolmDecryptedPayload, MegolmUndecryptablePayload, RoomKeyFacts } from '../events/facts.js';
export type { KeysUploadBody, SignedDeviceKeys, SignedCurveKey } from './account.js';
export type { DecisionFilter } from './decision-store.js';
export type { VerifyOptions, VerifyReport, VerifyProblem } from './verify.js';
export type { LedgerState, SliceVersions } from './runtime/projector.js';
export type { Envelope } from '../events/envelope.js';
export type { LedgerEntry, LedgerCreatedPayload, RejectedInputPayload } from '../events/entry.js';
export type { Decision, DecisionOutcome } from '../projections/decision.js';
export type { Slice, ReduceContext, AnySlice } from '../projections/slice.js';
export type { CryptoPort } from '../projections/port.js';
export type { LogSummary } from '../projections/log/slice.js';
export type { DeviceTrust, IdentityTrust, IdentityStateName, TrustLevel, Grounded } from '../projections/identities/trust.js';
export type { OwnDevice, DeviceRecord, DeviceRef } from '../projections/identities/state.js';
export type { ReasonCode } from '../projections/codes.js';
