/**
 * Names for the report's groups. A family is a reason code's prefix before the first `.`;
 * the titles below only make known families read well. A family a later slice adds gets
 * a generic title, so it shows up in the report without a change here.
 */
const FAMILY_TITLES: Readonly<Record<string, string>> = {
  device: 'Devices',
  device_keys: 'Device keys',
  cross_signing: 'Cross-signing keys',
  identity: 'Identities and verification',
  verification: 'Interactive verification',
  input: 'Rejected inputs',
  engine: 'Engine failures',
  olm: 'Olm validation',
  to_device: 'To-device events not over Olm',
  secret: 'Secrets',
  room_key: 'Room keys',
  forwarded_key: 'Forwarded room keys',
  session_update: 'Megolm session updates',
  megolm: 'Megolm messages',
  key_request: 'Key requests',
  backup: 'Key backup',
  chain: 'Hash chain',
  checkpoint: 'Signed checkpoints',
  genesis: 'Genesis entry',
  snapshot: 'Snapshots',
};

/** The family of a reason code: its prefix before the first `.`. */
export function familyOf(code: string): string {
  const dot = code.indexOf('.');
  return dot < 0 ? code : code.slice(0, dot);
}

/** A human title for a family; unknown families get a generic one. */
export function familyTitle(family: string): string {
  return FAMILY_TITLES[family] ?? `Other: ${family}`;
}

/** What an integrity problem means: the codes of `verify()` are not reason codes of a slice. */
export interface IntegrityCode {
  readonly summary: string;
  readonly spec: string;
  readonly section: string;
}

const INTEGRITY_SPEC =
  "beyond the spec: the log is hash-chained and its checkpoints are signed with the device's ed25519 key, so an edited, dropped or reordered entry is found";
const INTEGRITY_SECTION = 'keyledger: the log (hash chain, signed checkpoints)';

const INTEGRITY_SUMMARIES: Readonly<Record<string, string>> = {
  'chain.gap': 'an entry is missing from the sequence',
  'chain.unreadable': 'an entry is not readable',
  'chain.misplaced': 'an entry is stored under another seq than its own (moved or reordered)',
  'chain.altered': 'an entry no longer matches its own hash (edited)',
  'chain.broken_link': 'an entry does not chain to the one before it (that one was altered or replaced)',
  'chain.empty': 'the log is empty',
  'genesis.invalid': 'entry 0 is not the ledger_created entry',
  'genesis.other_device': 'entry 0 names another device key than the one expected',
  'checkpoint.unreadable': 'a signed checkpoint is not readable',
  'checkpoint.other_signer': "a checkpoint is signed by another key than the ledger's device",
  'checkpoint.bad_signature': 'a checkpoint signature is invalid',
  'checkpoint.head_mismatch': 'the log up to a checkpoint is not the one the device signed (rewritten)',
  'checkpoint.beyond_head': 'a checkpoint signs entries the log no longer has (truncated)',
  'snapshot.state_altered': 'a snapshot state does not match its signed hash',
  'snapshot.replay_diverged': "replaying the log gives another state than the signed snapshot's",
};

/** The meaning of a `verify()` problem code; an unknown one keeps the verifier's message. */
export function integrityCode(code: string, message: string): IntegrityCode {
  return { summary: INTEGRITY_SUMMARIES[code] ?? message, spec: INTEGRITY_SPEC, section: INTEGRITY_SECTION };
}
