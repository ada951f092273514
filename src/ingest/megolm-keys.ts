import { OlmFailure } from '../crypto/failure.js';
import { InboundMegolmSession } from '../crypto/megolm-session.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';

const MAX_LIVE = 2_000;

/** The vault record that holds the key logged by fact `seq`. */
export const megolmVaultKey = (seq: number) => `megolm!${seq.toString().padStart(16, '0')}`;

/**
 * Megolm keys: sealed in the vault under the seq of the fact that brought them, and kept
 * alive as olm inbound sessions while in use, so consecutive messages of a session are
 * decrypted by advancing one ratchet instead of re-importing the key each time.
 */
export class MegolmKeys {
  private readonly live = new Map<number, InboundMegolmSession>();
  /** Keys stored by batches not yet on disk: the vault cannot be read for them yet. */
  private readonly unwritten = new Map<number, string>();

  constructor(
    private readonly olm: typeof Olm,
    private readonly vault: Vault,
  ) {}

  /** The vault write for a key brought by fact `seq` (exported format). */
  put(seq: number, exported: string): BatchOp {
    this.unwritten.set(seq, exported);
    return this.vault.putOp(megolmVaultKey(seq), JSON.stringify({ exported }));
  }

  /** Drops keys of facts after `seq` that were never written: their seqs will be used again. */
  forgetAfter(seq: number): void {
    for (const s of [...this.unwritten.keys()]) if (s > seq) this.unwritten.delete(s);
    for (const [s, session] of [...this.live]) {
      if (s > seq) {
        session.free();
        this.live.delete(s);
      }
    }
  }

  /** Called once a batch is written: its keys are now readable from the vault. */
  written(seqs: readonly number[]): void {
    for (const s of seqs) this.unwritten.delete(s);
  }

  /** The live inbound session for the key of fact `seq`, or undefined if the vault has none. */
  async session(seq: number): Promise<InboundMegolmSession | undefined> {
    const live = this.live.get(seq);
    if (live !== undefined) {
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.live.delete(seq);
      this.live.set(seq, live);
      return live;
    }
    let exported = this.unwritten.get(seq);
    if (exported === undefined) {
      const record = await this.vault.get(megolmVaultKey(seq));
      if (record === undefined) return undefined;
      exported = (JSON.parse(record) as { exported: string }).exported;
    }
    const session = InboundMegolmSession.import(this.olm, exported, 'exported');
    // The key imported once already, when it was examined: failing now is the engine's
    // failure (the input is rejected as `engine.ingest_failed`, naming olm's error).
    if (session instanceof OlmFailure) throw new Error(session.code);
    this.live.set(seq, session);
    if (this.live.size > MAX_LIVE) {
      const [oldest, s] = this.live.entries().next().value as [number, InboundMegolmSession];
      s.free();
      this.live.delete(oldest);
    }
    return session;
  }

  free(): void {
    for (const s of this.live.values()) s.free();
    this.live.clear();
  }
}

/**
 * The message index of a Megolm message, read from its header without any key
 * (version byte, then field 1 as a varint), for "why can't I decrypt this?" answers.
 */
export function megolmMessageIndex(ciphertext: string): number | null {
  let bytes: Buffer;
  try {
    // The version byte, the field tag and a varint of at most 5 bytes: 16 characters hold 12 bytes.
    bytes = Buffer.from(ciphertext.slice(0, 16), 'base64');
  } catch {
    return null;
  }
  if (bytes.length < 3 || bytes[0] !== 3 || bytes[1] !== 0x08) return null;
  let value = 0;
  for (let i = 2, shift = 0; i < bytes.length && shift < 35; i++, shift += 7) {
    value += (bytes[i]! & 0x7f) * 2 ** shift;
    if ((bytes[i]! & 0x80) === 0) return value;
  }
  return null;
}
