import type { LedgerEntry } from '../../../events/entry.js';
import type { Decision } from '../../../projections/decision.js';
import { canonicalJson } from '../../canonical.js';
import { redactKeepingSealed, redactSecrets } from '../../redact.js';
import { ENGINE_VERSION } from '../../version.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, parseBundle, type BundleEntry, type IncidentBundle } from './format.js';
import { BundleSource, type Checkpoint } from '../sources/bundle-source.js';
import { codecFingerprint } from './codec-fingerprint.js';
import type { LogSource } from '../sources/source.js';

/** Options of {@link makeBundle}. */
export interface BundleOptions {
  /** First seq (default: the first entry). */
  from?: number;
  /** Last seq (default: the head). */
  to?: number;
  /** Checkpoint interval in entries (default 100). */
  checkpointEvery?: number;
}

/** The seqs of every `every`-th entry and of the last. */
function checkpointSeqs(entries: readonly LedgerEntry[], every: number): number[] {
  const seqs = entries.filter((_, i) => (i + 1) % every === 0).map((e) => e.seq);
  const last = entries[entries.length - 1];
  if (last !== undefined && seqs[seqs.length - 1] !== last.seq) seqs.push(last.seq);
  return seqs;
}

/** Plain entries and the set of redacted seqs, from bundled ones. */
function plainEntries(entries: readonly BundleEntry[]): { entries: LedgerEntry[]; redacted: Set<number> } {
  const redacted = new Set<number>();
  const plain = entries.map(({ redacted: r, ...e }) => {
    if (r) redacted.add(e.seq);
    return e;
  });
  return { entries: plain, redacted };
}

/**
 * Makes an incident bundle of entries `from..to` of `source`: the base state after
 * `from - 1`, the entries with secrets redacted, and the decisions and state hashes at
 * checkpoints from replaying exactly what is bundled. `warnings` says when the bundle
 * replays differently from the log itself (redaction changed something a reducer reads).
 *
 * @throws RangeError for a range outside the log.
 */
export async function makeBundle(source: LogSource, options: BundleOptions = {}): Promise<{ bundle: IncidentBundle; warnings: string[] }> {
  const head = source.headSeq();
  const from = options.from ?? 0;
  const to = options.to ?? head;
  const every = options.checkpointEvery ?? 100;
  if (from > to || to > head || from < 0) throw new RangeError(`the range ${from}..${to} is not within the log (seqs 0..${head})`);
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError('checkpointEvery must be a whole number ≥ 1');
  const base = redactSecrets(await source.stateAt(from - 1));
  const entries: BundleEntry[] = [];
  for await (const e of source.entries({ from, to })) {
    // The log's own `[sealed]` placeholders stay: an entry that only held sealed secrets
    // keeps a checkable hash.
    const r = redactKeepingSealed(e);
    entries.push(canonicalJson(r.payload) === canonicalJson(e.payload) ? r : { ...r, redacted: true });
  }
  const plain = plainEntries(entries);
  const replay = await BundleSource.create(source.path, { owner: source.owner, baseSeq: from - 1, base, ...plain, recorded: null }, checkpointSeqs(entries, every));
  try {
    const warnings: string[] = [];
    const [end] = replay.checkpoints.slice(-1);
    if (end !== undefined && end.stateHash !== source.stateHash(await source.stateAt(to))) {
      warnings.push(`the bundle replays to a different state at seq ${to} than the log itself (a redacted secret mattered to a reducer)`);
    }
    const decisions = (await replay.decisions()).map((d) => redactSecrets(d));
    const bundle: IncidentBundle = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      fingerprints: { engine: ENGINE_VERSION, slices: source.sliceVersions(), codecs: codecFingerprint(source.sliceVersions()) },
      owner: source.owner,
      range: { from, to },
      base: { seq: from - 1, stateHash: source.stateHash(base), state: base },
      checkpointEvery: every,
      checkpoints: replay.checkpoints,
      decisions,
      entries,
    };
    return { bundle, warnings };
  } finally {
    await replay.close();
  }
}

/**
 * Opens a bundle as a {@link LogSource} replayed from its base with today's reducers, at the
 * bundle's own checkpoint seqs, without judging it (see {@link checkBundle}).
 *
 * @throws BundleRefusedError when it is not a bundle.
 */
export async function bundleSource(value: unknown, path = '(bundle)'): Promise<BundleSource> {
  const bundle = parseBundle(value);
  const plain = plainEntries(bundle.entries);
  return BundleSource.create(path, { owner: bundle.owner, baseSeq: bundle.base.seq, base: bundle.base.state, ...plain, recorded: bundle.decisions }, bundle.checkpoints.map((c) => c.seq));
}

/**
 * What a regression test compares: the decisions and checkpoint state hashes of replaying
 * a bundle with today's reducers. No fingerprint is checked, so a test made from a bundle
 * fails on what changed in behaviour, not on a version number.
 */
export async function replayBundle(value: unknown): Promise<{ decisions: Decision[]; checkpoints: Checkpoint[] }> {
  const source = await bundleSource(value);
  try {
    return { decisions: await source.decisions(), checkpoints: [...source.checkpoints] };
  } finally {
    await source.close();
  }
}
