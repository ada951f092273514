import type { LedgerEntry, UnsealedEntry } from '../../events/entry.js';
import { canonicalJson, sha256Hex } from '../canonical.js';

/** Fixed-width decimal key, so LevelDB's byte order is log order. */
export function seqKey(seq: number): string {
  return seq.toString().padStart(16, '0');
}

/** SHA-256 over the canonical JSON of the entry without `hash`. */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: entry.seq,
      receivedAt: entry.receivedAt,
      kind: entry.kind,
      payload: entry.payload,
      prevHash: entry.prevHash,
    }),
  );
}

/** Gives an entry its place in the chain. */
export function seal(entry: UnsealedEntry, seq: number, prevHash: string): LedgerEntry {
  const body = { seq, receivedAt: entry.receivedAt, kind: entry.kind, payload: entry.payload, prevHash };
  return { ...body, hash: entryHash(body) };
}
