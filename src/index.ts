/**
 * keyledger: an event-sourced crypto state engine for Matrix end-to-end encryption.
 *
 * Open a ledger, feed it every to-device and room event the client receives, and read
 * back deterministic, explainable state and decisions.
 */

// ---- values ---------------------------------------------------------------------------
export { openLedger } from './open.js';
export { Ledger } from './ledger.js';
export { OversizedInput, DEFAULT_MAX_INPUT_BYTES } from './ingest/input-text.js';
export { openLogSource } from './analysis/sources/open.js';
export { anomalies, decisionsMatching } from './operators.js';
export { ReplaySession } from './analysis/debugger.js';
export { diffStates } from './analysis/state-diff.js';
export { makeBundle, bundleSource, replayBundle } from './analysis/bundle/bundle.js';
export { serializeBundle, parseBundle, readBundleText, BundleRefusedError, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION } from './analysis/bundle/format.js';
export { checkBundle, openBundle } from './analysis/bundle/check.js';
export { BundleSource, BundleRangeError } from './analysis/sources/bundle-source.js';
export { codecFingerprint } from './analysis/bundle/codec-fingerprint.js';
export { explain } from './analysis/explain.js';
export { whyUtd } from './analysis/why-utd.js';
export { sessionTimeline } from './analysis/session-timeline.js';
export { utdSentence } from './analysis/utd-sentence.js';
export { whatIf } from './analysis/what-if.js';
export { rejudge } from './analysis/rejudge.js';
export { diffDecisions } from './analysis/decision-diff.js';
export { describeEntry } from './analysis/entry-line.js';
export { explainDecision, ruleOf } from './analysis/decision-view.js';
export { anomalyReport } from './analysis/report/report.js';
export { anomalyReportJson, openStreamedReport } from './analysis/report/stream.js';
export { reportHtml } from './analysis/report/html.js';
export { reportView } from './analysis/report/view.js';
export {
  KeyledgerError,
  LedgerLockedError,
  LedgerNotFoundError,
  LedgerIdentityMismatchError,
  LedgerReadOnlyError,
  LedgerClosedError,
  LedgerWriteError,
  InputDecodeError,
  RoomKeyNotSharedError,
  CrossSigningRefusedError,
  VaultKeyError,
  VaultRecordError,
  StoreKeyRequiredError,
  CorruptStoreError,
  LedgerDamagedError,
  UnreadableEntriesError,
  StoreMissingFileError,
  StoreFullError,
  StoreReadOnlyError,
  RecoveryKeyError,
  SecretStorageError,
  KeyExportError,
  BackupNotTrustedError,
} from './errors.js';
export { storeError } from './log/store-errors.js';
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
  ownCrossSigningKeys,
  ownIdentityTrusted,
  ownPublishedCrossSigning,
  crossSignVerdict,
  crossSigningImportVerdict,
} from '../projections/identities/selectors.js';
export { ownCrossSigningCodes } from '../projections/identities/own-codes.js';
export { requestCodes } from '../projections/outbound/request-codes.js';
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
export { outboundCodes } from '../projections/outbound/codes.js';
export { pendingRequests, trackedUser, trackedUsers } from '../projections/outbound/selectors.js';
export { REQUEST_PATHS } from './outbound/outgoing.js';
export { defaultSlices, reasonCodes } from '../projections/index.js';
export { backupCodes } from '../projections/backup/codes.js';
export { backupStatus, mayUpload } from '../projections/backup/selectors.js';
export { encodeRecoveryKey, decodeRecoveryKey } from './secrets/recovery-key.js';
export { encryptKeyExport, decryptKeyExport } from './secrets/key-export.js';

// ---- types ----------------------------------------------------------------------------
export type { LedgerOptions, Durability, IngestResult, IngestOutcome, ReplayOptions, EntryRange } from './ledger.js';
export type { GossipRequestResult, LedgerApi, LedgerOwner } from './ledger-api.js';
export type { GossipSentPayload, GossipSentWhat, SecretSource, SecretStoredPayload } from '../events/gossip.js';
export type { DecryptedRoomEvent, DecryptRoomEventOptions } from './room-event.js';
export type { Shield, ShieldCode, ShieldColor } from './shield.js';
export type { TrustRequirement, TrustShortfall } from './trust-requirement.js';
export type { RoomEventPlaintext } from './ingest/ingestor.js';
export type { OutgoingRequest } from './outbound/outgoing.js';
export type { MegolmEncryptedEventContent } from './outbound/room-keys.js';
export type { BackupStatus, MayUpload } from '../projections/backup/selectors.js';
export type { SignatureState, SignatureReport } from '../projections/backup/trust.js';
export type { SecretStorageUnlock } from './secrets/open-storage.js';
export type { BackupKeysResponse, RoomKeyRestoredPayload } from '../events/secret-storage.js';
export type { RoomKeySettings, CrossSigningPrivateKeys, CrossSigningKeySource, CrossSigningStatus, SendRoomMessageOptions, VerificationOptions } from './api-types.js';
export type { OwnCrossSigningKeysPayload, CrossSigningSource, DeviceSigningUploadBody, SignatureUploadBody, UploadedCrossSigningKey } from '../events/cross-signing.js';
export type { ShareStrategy } from '../events/megolm-out.js';
export type { ToDeviceResult } from './outbound/sync-results.js';
export type { VerificationView, SasEmoji } from './verifications.js';
export type { VerificationStepResult } from './ledger-api.js';
export type { SyncEnvelope, TrackUsersEnvelope, KeysUploadEnvelope, OutgoingRequestType } from '../events/outbound.js';
export type { LogSource } from './analysis/sources/source.js';
export type { ReplayStep, ScanProgress } from './analysis/debugger.js';
export type { StateChange } from './analysis/state-diff.js';
export type { BundleOptions } from './analysis/bundle/bundle.js';
export type { IncidentBundle, BundleEntry } from './analysis/bundle/format.js';
export type { Checkpoint } from './analysis/sources/bundle-source.js';
export type { CodecFingerprint } from './analysis/bundle/codec-fingerprint.js';
export type { Explanation, ExplainOptions, Evidence } from './analysis/explain.js';
export type { CurrentAnswer, SessionView } from './analysis/current.js';
export type { UtdReport } from './analysis/why-utd.js';
export type { TimelineItem } from './analysis/session-timeline.js';
export type { WhatIfResult } from './analysis/what-if.js';
export type { RejudgeResult, Rejudgeable } from './analysis/rejudge.js';
export type { DecisionChange, DecisionField } from './analysis/decision-diff.js';
export type { EntryLine } from './analysis/entry-line.js';
export type { ExplainedDecision, Rule } from './analysis/decision-view.js';
export type { AnomalyReport, AnomalyReportOptions, Anomaly, AnomalyOutcome, CodeCount, FamilyCount, Incident, TimelineBucket } from './analysis/report/report.js';
export type { StreamedReport } from './analysis/report/stream.js';
export type { ReportView, IncidentView } from './analysis/report/view.js';
export type { SessionRecord, SessionAuthenticity, SessionSourceType } from '../projections/megolm/state.js';
export type { SessionProvenance } from '../projections/megolm/selectors.js';
export type { UtdCause, UtdCauseName } from '../projections/megolm/utd.js';
export type { OlmVerdict } from '../projections/olm/state.js';
export type { FactPayloads, OlmDecryptedPayload, OlmUndecryptablePayload, MegolmDecryptedPayload, MegolmUndecryptablePayload, RoomKeyFacts } from '../events/facts.js';
export type { KeysUploadBody, SignedDeviceKeys, SignedCurveKey } from './crypto/account.js';
export type { DecisionFilter } from './log/decisions.js';
export type { VerifyOptions, VerifyReport, VerifyProblem } from './log/verify.js';
export type { LedgerState, SliceVersions } from './runtime/projector.js';
export type {
  Envelope, UserAction, UserActionEnvelope, ToDeviceEnvelope, RoomEventEnvelope, KeysQueryEnvelope, BackupVersionEnvelope,
} from '../events/envelope.js';
export type { VerifyDeviceAction, VerifyIdentityAction, ApproveIdentityAction, RequestRoomKeyAction } from '../events/user-actions.js';
export type { LedgerEntry, LedgerCreatedPayload, RejectedInputPayload } from '../events/entry.js';
export type { Decision, DecisionOutcome, Subject, SubjectKind, SubjectParts } from '../projections/decision.js';
export type { Slice, ReduceContext, AnySlice } from '../projections/slice.js';
export type { CryptoPort } from '../projections/port.js';
export type { LogSummary } from '../projections/log/slice.js';
export type { DeviceTrust, IdentityTrust, IdentityStateName, TrustLevel, Grounded } from '../projections/identities/trust.js';
export type { OwnDevice, DeviceRecord, DeviceRef } from '../projections/identities/state.js';
export type { ReasonCode } from '../projections/codes.js';
export { QrInvalidError, QrUnavailableError, parseQrPayload, qrPayload } from './outbound/verification.js';
