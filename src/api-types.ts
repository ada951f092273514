/**
 * The public option and result types of a ledger: what `openLedger`, `ingest`, `replay`
 * and `entries` take and give. Kept apart from the `Ledger` facade, so the modules that
 * produce these values (the writer, the room-event answer, the log reader) depend on the
 * types only, never on the facade.
 */
import type { LedgerEntry } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import type { AnySlice } from '../projections/slice.js';
import type { InputDecodeError } from './errors.js';
import type { RoomEventPlaintext } from './ingest/ingestor.js';
import type { TrustRequirement } from './trust-requirement.js';

/** How an ingest call reaches the disk. */
export type Durability = 'sync' | 'batched';

/** Options of {@link openLedger}. */
export interface LedgerOptions {
  /** The LevelDB folder. */
  path: string;
  /** Our user: required to create a ledger, checked against an existing one. */
  userId?: string;
  /** Our device ID: required to create a ledger, checked against an existing one. */
  deviceId?: string;
  /**
   * `batched` (default): concurrent ingest calls share one LevelDB batch, written without
   * fsync (an acknowledged entry survives a process crash, not a power cut).
   * `sync`: each ingest call is its own batch, fsynced before it resolves.
   */
  durability?: Durability;
  /** Open for analysis: no writes, no vault, no store key needed. */
  readOnly?: boolean;
  /** Key (or passphrase) that encrypts the vault at rest. Without one the vault is plain. */
  storeKey?: string | Uint8Array;
  /**
   * Create the ledger with its vault (Olm account and sessions, Megolm keys) unencrypted at
   * rest. Creating a ledger without `storeKey` needs this, so an unencrypted vault is a
   * choice, never the result of an unset variable. Ignored when `storeKey` is given or the
   * ledger exists.
   */
  unencryptedVault?: boolean;
  /** Write a signed snapshot every this many entries (default 10,000) and on close. */
  snapshotEvery?: number;
  /**
   * Snapshots kept: the newest this many (default 3); older ones are deleted when a new
   * one is written. Each holds a whole state, and only the newest is read on opening.
   */
  keepSnapshots?: number;
  /** The clock that stamps entries without `received_at` (tests pass a fixed one). */
  now?: () => number;
  /** Slices to fold, in order (default: every slice keyledger ships). */
  slices?: readonly AnySlice[];
  /**
   * How far a room event's sender device must be trusted for `decryptRoomEvent` to hand
   * out its plaintext (default `untrusted`: everyone's); a call may override it.
   */
  trustRequirement?: TrustRequirement;
  /**
   * Longest input, in UTF-8 bytes (default 16 MiB): a longer one is logged as
   * `input.too_large` with its length, SHA-256 and first bytes only.
   */
  maxInputBytes?: number;
  /**
   * Decrypt the room events of a big batch (16 or more, as `ingestMany` or many concurrent
   * `decryptRoomEvent` calls make) ahead on a worker thread while the main thread logs and
   * folds them (default true). The facts, decisions and hashes are the same either way:
   * which key decrypts an event is still decided in log order on the main thread.
   */
  decryptWorker?: boolean;
}

/** Options of {@link Ledger.replay}. */
export interface ReplayOptions {
  /** Last seq to fold (default: the head). */
  to?: number;
  /** Seqs to leave out. */
  skip?: ReadonlySet<number>;
  /** Start from the newest snapshot instead of from zero (ignored with `skip`). */
  fromSnapshot?: boolean;
  /** Receives every decision the replay takes, in order. */
  onDecision?: (decision: Decision) => void;
  /** Called after each chunk of entries with the last seq folded. */
  onProgress?: (seq: number) => void;
}

/** The result of one accepted input. */
export interface IngestResult {
  /** The seq of the input's own entry. */
  seq: number;
  /** Every entry the input produced (the input and the facts derived from it). */
  seqs: number[];
  kind: string;
  /** Decisions the entries caused. */
  decisions: Decision[];
  /**
   * For a Megolm room event that decrypted: its plaintext, for the caller only (never
   * logged), whatever the rules decided about it (see `decisions`); `decryptRoomEvent`
   * withholds what a client must not show.
   */
  plaintext?: RoomEventPlaintext;
  /**
   * For a `sync` envelope: each of its to-device events as an input of its own, in order
   * (`seqs` and `decisions` above cover them too, and the requests made after the sync).
   */
  toDevice?: IngestOutcome[];
}

/** Entries of a range: async-iterable (streamed), or awaited as an array. */
export interface EntryRange extends AsyncIterable<LedgerEntry>, PromiseLike<LedgerEntry[]> {}

/** One input's outcome in {@link Ledger.ingestMany}. */
export type IngestOutcome = ({ ok: true } & IngestResult) | { ok: false; error: InputDecodeError };

/**
 * How a room's key is shared (`shareRoomKey`): the room's `m.room.encryption` rotation
 * (`rotation_period_ms`, `rotation_period_msgs`; a week and 100 messages when absent) and
 * whose devices get it (`all`, the default; `cross_signed`; `verified`), as the Rust SDK's
 * `EncryptionSettings` and `CollectStrategy`.
 */
export interface RoomKeySettings {
  strategy?: 'all' | 'cross_signed' | 'verified';
  rotationPeriodMs?: number;
  rotationPeriodMsgs?: number;
}

/** Private cross-signing keys to import (`importCrossSigningKeys`): each a 32-byte seed, unpadded base64 (the `m.cross_signing.*` secret format). */
export interface CrossSigningPrivateKeys {
  master?: string;
  selfSigning?: string;
  userSigning?: string;
}

/** Where imported private cross-signing keys came from. */
export type CrossSigningKeySource = 'secret_storage' | 'secret_send' | 'import';

/** Our cross-signing identity as the ledger knows it (`crossSigningStatus`): public keys only. */
export interface CrossSigningStatus {
  /** The public keys our last `/keys/query` of our own user listed (null: none listed). */
  published: { master: string | null; selfSigning: string | null; userSigning: string | null };
  /** Whether we hold the private key of each role (and it is the published one). */
  privateKeys: { master: boolean; selfSigning: boolean; userSigning: boolean };
  /** The public keys of the private keys we hold, and where they came from (null: none held). */
  held: { master: string | null; selfSigning: string | null; userSigning: string | null; source: string; seq: number } | null;
  /** Our own identity is trusted: the master key listed for us is the one we hold. */
  trusted: boolean;
  /** Why (a reason code), and the entry it rests on. */
  reason: string;
  seq: number;
}

/** Options of `sendRoomMessage`. */
export interface SendRoomMessageOptions {
  /**
   * Encrypt with the room's outbound Megolm session (true), or send as is (false). When
   * absent: encrypted when the ledger has an outbound session for the room (a
   * `shareRoomKey` was made for it), as is otherwise.
   */
  encrypted?: boolean;
}

/** Options of `requestVerification`, `requestVerificationInRoom` and `acceptVerification`. */
export interface VerificationOptions {
  /**
   * Also offer to show a QR code (`m.qr_code.show.v1` and `m.reciprocate.v1` in the
   * request's or ready's `methods`); then `verificationQrCode(id)` gives the code to draw
   * once the flow is ready and the other device can scan. Default false: SAS only, as before
   * (a client that cannot draw a code should not offer one).
   */
  qr?: boolean;
}
