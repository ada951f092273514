import { readFile } from 'node:fs/promises';
import type { Decision } from '../../../projections/decision.js';
import { stateHash, type SliceVersions } from '../../runtime/projector.js';
import { ENGINE_VERSION } from '../../version.js';
import { bundleSource } from './bundle.js';
import { BundleRefusedError, parseBundle, readBundleText, type IncidentBundle } from './format.js';
import { engineSliceVersions, type BundleSource } from '../sources/bundle-source.js';
import { codecDifferences, codecFingerprint } from './codec-fingerprint.js';

const short = (hash: string) => `${hash.slice(0, 12)}…`;

function sliceDifferences(recorded: SliceVersions, current: SliceVersions): string[] {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(current)])].sort();
  return names
    .filter((n) => recorded[n] !== current[n])
    .map((n) => (!Object.hasOwn(current, n) ? `${n} ${recorded[n]} in the bundle, not in this engine` : !Object.hasOwn(recorded, n) ? `${n} not in the bundle, ${current[n]} here` : `${n} ${recorded[n]} in the bundle, ${current[n]} here`));
}

/** The first reason the bundle was not made by an engine like this one, or null. */
function fingerprintMismatch(b: IncidentBundle): string | null {
  if (b.fingerprints.engine !== ENGINE_VERSION) return `engine version differs: the bundle was made by keyledger ${b.fingerprints.engine}, this is ${ENGINE_VERSION}`;
  const current = engineSliceVersions();
  const slices = sliceDifferences(b.fingerprints.slices, current);
  if (slices.length > 0) return `slice versions differ: ${slices.join('; ')}`;
  const codecs = codecFingerprint(current);
  if (b.fingerprints.codecs.digest !== codecs.digest) {
    const parts = codecDifferences(b.fingerprints.codecs.parts, codecs.parts);
    return `codec fingerprint differs: ${parts.length > 0 ? parts.slice(0, 4).join(', ') + (parts.length > 4 ? ` (+${parts.length - 4} more)` : '') : `${short(b.fingerprints.codecs.digest)} in the bundle, ${short(codecs.digest)} here`}`;
  }
  return null;
}

/** The first reason the bundle's parts do not fit together (range, base, checkpoints), or null. */
function layoutMismatch(b: IncidentBundle): string | null {
  const { from, to } = b.range;
  if (b.base.seq !== from - 1) return `the base state is after seq ${b.base.seq}, not after seq ${from - 1} (the range starts at ${from})`;
  if (b.entries[0]?.seq !== from || b.entries[b.entries.length - 1]?.seq !== to) return `the entries do not cover the range ${from}..${to}`;
  const outside = b.checkpoints.find((c) => c.seq < from || c.seq > to);
  if (outside) return `checkpoint seq ${outside.seq} is outside the range ${from}..${to}`;
  if (stateHash(b.base.state) !== b.base.stateHash) return `the base state (after seq ${b.base.seq}) does not match its recorded state hash`;
  return null;
}

const decisionText = (d: Decision | undefined) => (d === undefined ? 'none' : `${d.outcome} ${d.code} ${d.subject}`);

/** The first replayed checkpoint or decision that differs from the recorded one, or null. */
async function divergence(b: IncidentBundle, source: BundleSource): Promise<string | null> {
  const altered = (await source.verify()).problems.find((p) => p.code === 'chain.altered');
  const hint = altered ? ` (entry ${altered.seq} no longer matches its own hash)` : '';
  const hashes = new Map(source.checkpoints.map((c) => [c.seq, c.stateHash]));
  for (const c of [...b.checkpoints].sort((x, y) => x.seq - y.seq)) {
    const replayed = hashes.get(c.seq)!;
    if (replayed !== c.stateHash) return `state hash at checkpoint seq ${c.seq} differs: recorded ${short(c.stateHash)}, replayed ${short(replayed)}${hint}`;
  }
  const replayed = await source.decisions();
  for (let i = 0; i < Math.max(replayed.length, b.decisions.length); i++) {
    const r = replayed[i];
    const d = b.decisions[i];
    if (r?.seq !== d?.seq || r?.code !== d?.code || r?.outcome !== d?.outcome || r?.subject !== d?.subject) {
      return `decision at seq ${Math.min(r?.seq ?? Infinity, d?.seq ?? Infinity)} differs: recorded ${decisionText(d)}, replayed ${decisionText(r)}${hint}`;
    }
  }
  return null;
}

/**
 * Opens a bundle after checking, as rr checks a trace, that this engine replays it as the
 * engine that made it did: same engine version, slice versions and codec fingerprint, a
 * well-formed range and base state, the same state hash at every checkpoint, the same
 * decisions, and an unbroken chain (an entry marked redacted cannot have its own hash
 * checked; its links still are). The caller closes the returned source.
 *
 * @throws BundleRefusedError with the first reason, in that order.
 */
export async function checkBundle(value: unknown, path = '(bundle)'): Promise<BundleSource> {
  const bundle = parseBundle(value);
  const early = fingerprintMismatch(bundle) ?? layoutMismatch(bundle);
  if (early !== null) throw new BundleRefusedError(early);
  const source = await bundleSource(bundle, path);
  try {
    const late = (await divergence(bundle, source)) ?? (await source.verify()).problems[0]?.message ?? null;
    if (late !== null) throw new BundleRefusedError(late);
  } catch (err) {
    await source.close();
    throw err;
  }
  return source;
}

/** Reads a bundle file and {@link checkBundle}s it. @throws BundleRefusedError, or a file system error. */
export async function openBundle(path: string): Promise<BundleSource> {
  return checkBundle(readBundleText(await readFile(path, 'utf8')), path);
}
