import type { LedgerEntry } from '../../../events/entry.js';
import type { Decision } from '../../../projections/decision.js';
import { KeyledgerError } from '../../errors.js';
import type { LedgerState, SliceVersions } from '../../runtime/projector.js';
import type { Checkpoint } from '../sources/bundle-source.js';
import type { CodecFingerprint } from './codec-fingerprint.js';
import type { LogSource } from '../sources/source.js';

/** The `format` of every bundle file. */
export const BUNDLE_FORMAT = 'keyledger-bundle';
/** The bundle layout this engine writes and reads. */
export const BUNDLE_FORMAT_VERSION = 1;

/** An entry as bundled: secrets redacted, original `hash`/`prevHash` kept; `redacted` marks one that lost secrets. */
export type BundleEntry = LedgerEntry & { readonly redacted?: true };

/**
 * One file that lets anyone replay a stretch of a log with the same engine and see the same
 * thing (an rr trace for trust decisions). Field order is the file's order.
 */
export interface IncidentBundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly formatVersion: number;
  /** What must match for a replay to be trusted: engine version, slice versions, codec fingerprint. */
  readonly fingerprints: { readonly engine: string; readonly slices: SliceVersions; readonly codecs: CodecFingerprint };
  /** The device whose log this is (public keys only). */
  readonly owner: LogSource['owner'];
  /** First and last seq of the bundled entries. */
  readonly range: { readonly from: number; readonly to: number };
  /** The state after `from - 1` (redacted; state holds no secrets anyway) and its state hash. */
  readonly base: { readonly seq: number; readonly stateHash: string; readonly state: LedgerState };
  /** A checkpoint every this many entries, and one after the last. */
  readonly checkpointEvery: number;
  /** State hashes after each checkpoint seq, from replaying the bundled entries from `base`. */
  readonly checkpoints: readonly Checkpoint[];
  /** Every decision the replay took (redacted), in order. */
  readonly decisions: readonly Decision[];
  readonly entries: readonly BundleEntry[];
}

/** A bundle that cannot be trusted to replay as it did: `reason` is one line (which fingerprint, which seq). */
export class BundleRefusedError extends KeyledgerError {
  constructor(readonly reason: string) {
    super('bundle.refused', `bundle refused: ${reason}`);
  }
}

/**
 * The bundle as text: JSON, one top-level field per line and one entry or decision per
 * line, so a bundle reads and diffs line by line (and `grep` finds an entry).
 */
export function serializeBundle(bundle: IncidentBundle): string {
  const lines = Object.entries(bundle).map(([k, v]) =>
    Array.isArray(v) ? `${JSON.stringify(k)}: [${v.length === 0 ? '' : `\n${v.map((x) => JSON.stringify(x)).join(',\n')}\n`}]` : `${JSON.stringify(k)}: ${JSON.stringify(v)}`,
  );
  return `{\n${lines.join(',\n')}\n}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks that `value` has the shape of a bundle this engine reads (not that it replays:
 * see {@link checkBundle}).
 *
 * @throws BundleRefusedError naming the first field that is wrong.
 */
export function parseBundle(value: unknown): IncidentBundle {
  if (!isRecord(value) || value.format !== BUNDLE_FORMAT) throw new BundleRefusedError(`not a keyledger bundle (no "format": "${BUNDLE_FORMAT}")`);
  if (value.formatVersion !== BUNDLE_FORMAT_VERSION) throw new BundleRefusedError(`bundle format version ${String(value.formatVersion)}; this engine reads version ${BUNDLE_FORMAT_VERSION}`);
  const f = value.fingerprints;
  const base = value.base;
  const range = value.range;
  const bad = (field: string) => new BundleRefusedError(`malformed bundle: ${field}`);
  if (!isRecord(f) || typeof f.engine !== 'string' || !isRecord(f.slices) || !isRecord(f.codecs) || typeof f.codecs.digest !== 'string' || !isRecord(f.codecs.parts)) throw bad('fingerprints');
  if (!isRecord(range) || typeof range.from !== 'number' || typeof range.to !== 'number') throw bad('range');
  if (!isRecord(base) || typeof base.seq !== 'number' || typeof base.stateHash !== 'string' || !isRecord(base.state)) throw bad('base');
  if (!Array.isArray(value.checkpoints) || !value.checkpoints.every((c) => isRecord(c) && typeof c.seq === 'number' && typeof c.stateHash === 'string')) throw bad('checkpoints');
  if (!Array.isArray(value.decisions) || !value.decisions.every((d) => isRecord(d) && typeof d.seq === 'number' && typeof d.code === 'string')) throw bad('decisions');
  if (!Array.isArray(value.entries) || !value.entries.every((e) => isRecord(e) && typeof e.seq === 'number' && typeof e.kind === 'string' && typeof e.hash === 'string')) throw bad('entries');
  return value as unknown as IncidentBundle;
}

/** Reads a bundle file's text. @throws BundleRefusedError when it is not JSON or not a bundle. */
export function readBundleText(text: string): IncidentBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BundleRefusedError('not a keyledger bundle (not JSON)');
  }
  return parseBundle(value);
}
