import type { Sub, BatchOp, LedgerStore } from './store.js';
import { seqKey } from './entry-codec.js';
import { canonicalJson } from '../canonical.js';
import type { LedgerState, SliceVersions } from '../runtime/projector.js';

/**
 * A snapshot of the projected state at `seq`, which is also a checkpoint: the chain head
 * at `seq` signed with our device's ed25519 key. A log whose tail was rewritten without
 * that key no longer matches its checkpoints.
 */
export interface Snapshot {
  seq: number;
  headHash: string;
  stateHash: string;
  versions: SliceVersions;
  engineVersion: string;
  userId: string;
  deviceId: string;
  /** The ed25519 public key that signed this checkpoint. */
  signer: string;
  signature: string;
  state: LedgerState;
}

/** The part of a snapshot the signature covers. */
export function checkpointMessage(s: Pick<Snapshot, 'seq' | 'headHash' | 'stateHash' | 'versions' | 'userId' | 'deviceId'>): string {
  return canonicalJson({
    type: 'keyledger.checkpoint.v1',
    seq: s.seq,
    head_hash: s.headHash,
    state_hash: s.stateHash,
    versions: s.versions,
    user_id: s.userId,
    device_id: s.deviceId,
  });
}

/**
 * The put that stores a snapshot. `stateText`, the state's canonical JSON when the caller
 * already has it (it hashed it), is stored as is: a large state is encoded once, not twice.
 */
export function snapshotPut(store: LedgerStore, snapshot: Snapshot, stateText?: string): BatchOp {
  let value: string;
  if (stateText === undefined) {
    value = JSON.stringify(snapshot);
  } else {
    const { state: _state, ...header } = snapshot;
    value = `${JSON.stringify(header).slice(0, -1)},"state":${stateText}}`;
  }
  return { type: 'put', sublevel: store.snap, key: seqKey(snapshot.seq), value } as BatchOp;
}

export function sameVersions(a: SliceVersions, b: SliceVersions): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** The newest snapshot at or before `atOrBefore` whose slice versions match, if any. */
export async function latestSnapshot(snap: Sub, versions: SliceVersions, atOrBefore = Number.MAX_SAFE_INTEGER): Promise<Snapshot | undefined> {
  for await (const [, value] of snap.iterator({ reverse: true, lte: seqKey(atOrBefore) })) {
    let s: Snapshot;
    try {
      s = JSON.parse(value) as Snapshot;
    } catch {
      continue; // an unreadable snapshot is only a lost shortcut; `verify` reports it
    }
    if (sameVersions(s.versions, versions)) return s;
  }
  return undefined;
}

/** Every snapshot's header (without state), oldest first. */
export async function snapshotHeaders(snap: Sub): Promise<(Omit<Snapshot, 'state'> | { seq: number; unreadable: true })[]> {
  const out: (Omit<Snapshot, 'state'> | { seq: number; unreadable: true })[] = [];
  for await (const [key, value] of snap.iterator()) {
    try {
      const { state: _state, ...header } = JSON.parse(value) as Snapshot;
      out.push(header);
    } catch {
      out.push({ seq: Number(key), unreadable: true });
    }
  }
  return out;
}

/**
 * Deletions that leave the newest `keep` snapshots once one at `newSeq` is written (each
 * holds a whole state: 25 of a 50k-device state were a gigabyte).
 */
export async function snapshotsToPrune(store: LedgerStore, newSeq: number, keep: number): Promise<BatchOp[]> {
  const older: string[] = [];
  for await (const key of store.snap.keys({ lt: seqKey(newSeq) })) older.push(key);
  const drop = older.slice(0, Math.max(0, older.length - Math.max(1, keep) + 1));
  return drop.map((key) => ({ type: 'del', sublevel: store.snap, key }) as BatchOp);
}
