import { GENESIS_PREV_HASH, type LedgerCreatedPayload, type LedgerEntry } from '../../events/entry.js';
import type { CryptoPort } from '../../projections/port.js';
import { entryHash, seqKey } from './entry-codec.js';
import type { LedgerStore } from './store.js';
import { stateHash, type LedgerState, type Projector } from '../runtime/projector.js';
import { checkpointMessage, sameVersions, type Snapshot } from './snapshots.js';

/** Options of a verification run. */
export interface VerifyOptions {
  /** The ed25519 public key every checkpoint must be signed with (default: the ledger's own). */
  expectedSigner?: string;
  /** Replay the log and compare state hashes with the snapshots (default true). */
  replay?: boolean;
  /** Called every few thousand entries with the seq reached. */
  onProgress?: (seq: number) => void;
}

/** One thing wrong with a log, at the first seq it concerns. */
export interface VerifyProblem {
  seq: number;
  code: string;
  message: string;
}

/** The outcome of {@link verifyLedger}. */
export interface VerifyReport {
  ok: boolean;
  /** Entries read. */
  entries: number;
  headSeq: number;
  headHash: string | null;
  /** The earliest entry that cannot be trusted, or null when the log is sound. */
  firstBadSeq: number | null;
  problems: VerifyProblem[];
  checkpoints: { count: number; valid: number; lastValidSeq: number | null; signer: string | null };
  /** Entries after the last valid checkpoint (normal after a crash; a rewrite would hide here). */
  uncoveredTail: number;
  warnings: string[];
}

/**
 * Checks a log: sequence continuity, the hash chain, the genesis entry, every checkpoint's
 * signature and chain head, and (by replaying) every snapshot's state hash.
 */
export async function verifyLedger(store: LedgerStore, projector: Projector, crypto: CryptoPort, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  const problem = (seq: number, code: string, message: string) => problems.push({ seq, code, message });
  // Only the seqs up front: a snapshot holds a whole state, so each is read when the
  // replay reaches it and dropped after (25 states of 50k devices are gigabytes).
  const snapshotSeqs = new Set<number>();
  for await (const key of store.snap.keys()) snapshotSeqs.add(Number(key));
  const readSnapshot = async (seq: number): Promise<Snapshot | null> => {
    try {
      return JSON.parse((await store.snap.get(seqKey(seq)))!) as Snapshot;
    } catch {
      return null;
    }
  };
  let signer = options.expectedSigner ?? null;
  const replay = options.replay ?? true;
  let state: LedgerState = projector.initial();
  let pending: LedgerEntry[] = [];
  let replayBroken = false;
  const flush = () => {
    if (replay && !replayBroken && pending.length > 0) state = projector.fold(state, pending);
    pending = [];
  };

  let expected = 0;
  let prevHash: string = GENESIS_PREV_HASH;
  let count = 0;
  let head: LedgerEntry | null = null;
  const validCheckpoints: number[] = [];
  let lastProgress = 0;
  for await (const read of store.scan()) {
    if ('gap' in read) {
      const { first, last, unreadable } = read.gap;
      if (unreadable) {
        const range = last === null ? `entries from ${first} on` : first === last ? `entry ${first}` : `entries ${first}–${last}`;
        problem(first, 'chain.unreadable', `${range} cannot be read: a table of the ledger is damaged (first unreadable seq ${first}, last ${last ?? 'unknown: nothing after it could be read'})`);
        replayBroken = true;
        prevHash = '';
        if (last !== null) expected = last + 1;
      }
      continue;
    }
    for (const [key, value] of read.records) {
      const keySeq = Number(key);
      count++;
      if (keySeq !== expected) {
        problem(expected, 'chain.gap', `entry ${expected} is missing (the next one stored is ${keySeq})`);
        replayBroken = true;
        expected = keySeq;
      }
      let entry: LedgerEntry;
      try {
        entry = JSON.parse(value) as LedgerEntry;
      } catch {
        problem(keySeq, 'chain.unreadable', `entry ${keySeq} is not readable JSON`);
        replayBroken = true;
        expected = keySeq + 1;
        prevHash = '';
        continue;
      }
      const misplaced = entry.seq !== keySeq;
      if (misplaced) {
        problem(keySeq, 'chain.misplaced', `the entry stored as ${keySeq} says it is entry ${String(entry.seq)} (entries were moved or reordered)`);
        replayBroken = true;
      }
      const recomputed = entryHash(entry);
      if (misplaced) {
        // Already the problem at this seq; its link says nothing about the entry before.
      } else if (recomputed !== entry.hash) {
        problem(keySeq, 'chain.altered', `entry ${keySeq} was altered: its content no longer matches its hash`);
        replayBroken = true;
      } else if (prevHash !== '' && entry.prevHash !== prevHash) {
        // The entry itself is intact, so what it chains to is not what was there before.
        problem(Math.max(0, keySeq - 1), 'chain.broken_link', `entry ${keySeq} does not chain to entry ${keySeq - 1}: entry ${keySeq - 1} was altered or replaced`);
        replayBroken = true;
      }
      if (keySeq === 0) {
        const p = entry.payload as LedgerCreatedPayload;
        if (entry.kind !== 'ledger_created' || typeof p?.keys?.ed25519 !== 'string') {
          problem(0, 'genesis.invalid', 'entry 0 is not the ledger_created entry');
        } else if (signer !== null && p.keys.ed25519 !== signer) {
          problem(0, 'genesis.other_device', `entry 0 names device key ${p.keys.ed25519}, not ${signer}`);
        } else {
          signer ??= p.keys.ed25519;
        }
      }
      prevHash = entry.hash;
      expected = keySeq + 1;
      head = entry;
      pending.push(entry);
      if (snapshotSeqs.has(keySeq)) {
        flush();
        if (checkCheckpoint(keySeq, entry, await readSnapshot(keySeq))) validCheckpoints.push(keySeq);
      } else if (pending.length >= 2048) {
        flush();
      }
      if (count - lastProgress >= 4096) {
        lastProgress = count;
        options.onProgress?.(keySeq);
      }
    }
  }
  flush();

  function checkCheckpoint(seq: number, entry: LedgerEntry, s: Snapshot | null): boolean {
    if (s === null) {
      problem(seq, 'checkpoint.unreadable', `the checkpoint at ${seq} is not readable`);
      return false;
    }
    if (signer !== null && s.signer !== signer) {
      problem(seq, 'checkpoint.other_signer', `the checkpoint at ${seq} is signed by ${s.signer}, not this ledger's device key ${signer}`);
      return false;
    }
    if (!crypto.verifyEd25519(s.signer, checkpointMessage(s), s.signature)) {
      problem(seq, 'checkpoint.bad_signature', `the checkpoint at ${seq} has an invalid signature`);
      return false;
    }
    if (s.headHash !== entry.hash) {
      problem(seq, 'checkpoint.head_mismatch', `the log at ${seq} is not the one the device signed: entries up to ${seq} were rewritten`);
      return false;
    }
    if (stateHash(s.state) !== s.stateHash) {
      problem(seq, 'snapshot.state_altered', `the snapshot state at ${seq} does not match its signed hash`);
      return false;
    }
    if (replay && !replayBroken && sameVersions(s.versions, projector.versions) && stateHash(state) !== s.stateHash) {
      problem(seq, 'snapshot.replay_diverged', `replaying the log to ${seq} gives a state other than the snapshot's`);
      return false;
    }
    return true;
  }

  const headSeq = head?.seq ?? -1;
  for (const seq of snapshotSeqs) {
    if (seq > headSeq) problem(headSeq + 1, 'checkpoint.beyond_head', `a checkpoint signs entry ${seq} but the log ends at ${headSeq} (entries were removed)`);
  }
  if (count === 0) problem(0, 'chain.empty', 'the log is empty');
  const lastValid = validCheckpoints.length > 0 ? validCheckpoints[validCheckpoints.length - 1]! : null;
  const uncoveredTail = headSeq - (lastValid ?? -1);
  if (uncoveredTail > 0 && problems.length === 0) {
    warnings.push(`${uncoveredTail} entr${uncoveredTail === 1 ? 'y' : 'ies'} after ${lastValid === null ? 'the start' : `seq ${lastValid}`} are not covered by a signed checkpoint (normal after a crash; the ledger writes one on close)`);
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    entries: count,
    headSeq,
    headHash: head?.hash ?? null,
    firstBadSeq: problems[0]?.seq ?? null,
    problems,
    checkpoints: { count: snapshotSeqs.size, valid: validCheckpoints.length, lastValidSeq: lastValid, signer },
    uncoveredTail,
    warnings,
  };
}

