/**
 * What ingestion, the megolm slice and the CLI may ask the `olm` slice. Pure lookups.
 */
import { hmHas, hmPeek, type HashedMap } from '../hashmap.js';
import type { OlmVerdict } from './state.js';

type Root = Readonly<Record<string, unknown>>;

/**
 * The part of the `olm` slice's state ingestion relies on (the slice holds more):
 * SHA-256 hashes of every Olm ciphertext decrypted so far.
 */
export interface OlmSeenState {
  seenCiphertexts: HashedMap<number>;
}

/** True when this exact Olm ciphertext (by SHA-256 of its body) was decrypted before. */
export function olmCiphertextSeen(root: Root, ciphertextHash: string): boolean {
  const olm = root['olm'] as OlmSeenState | undefined;
  return olm !== undefined && hmHas(olm.seenCiphertexts, ciphertextHash);
}

/**
 * The olm slice's verdict on the `olm_decrypted` fact at `seq`: `ok` when its payload
 * passed every check and may be used (`code` says whether its sender is proven), else why
 * it was discarded. Undefined for any other entry.
 */
export function olmPayloadVerdict(root: Root, seq: number): OlmVerdict | undefined {
  const olm = root['olm'] as { verdicts?: HashedMap<OlmVerdict> } | undefined;
  return olm?.verdicts === undefined ? undefined : hmPeek(olm.verdicts, String(seq));
}
