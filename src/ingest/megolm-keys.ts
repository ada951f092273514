import { OlmFailure } from '../crypto/failure.js';
import { InboundMegolmSession, LiveMegolmSessions, type MegolmPlaintext } from '../crypto/megolm-session.js';
import { MegolmDecryptAhead } from '../crypto/megolm-worker.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';

const MAX_LIVE = 2_000;

/** A decryption: the plaintext, olm's refusal, or undefined when the vault has no such key. */
export type MegolmDecryption = MegolmPlaintext | OlmFailure | undefined;

/** The vault record that holds the key logged by fact `seq`. */
export const megolmVaultKey = (seq: number) => `megolm!${seq.toString().padStart(16, '0')}`;

/**
 * Megolm keys: sealed in the vault under the seq of the fact that brought them, and kept
 * alive as olm inbound sessions while in use, so consecutive messages of a session are
 * decrypted by advancing one ratchet instead of re-importing the key each time.
 */
export class MegolmKeys {
  private readonly live = new LiveMegolmSessions(MAX_LIVE);
  /** Keys stored by batches not yet on disk: the vault cannot be read for them yet. */
  private readonly unwritten = new Map<number, string>();

  /** The worker thread that decrypts a batch's room events ahead (started by the first batch that has enough). */
  private ahead: MegolmDecryptAhead | null = null;

  constructor(
    private readonly olm: typeof Olm,
    private readonly vault: Vault,
    /** Whether big batches may be decrypted ahead on a worker thread. */
    private readonly aheadAllowed = true,
  ) {}

  /** The vault write for a key brought by fact `seq` (exported format). */
  put(seq: number, exported: string): BatchOp {
    this.unwritten.set(seq, exported);
    return this.vault.putOp(megolmVaultKey(seq), JSON.stringify({ exported }));
  }

  /** What the batch being built may do instead of waiting for the worker (true if it did something), or null. */
  whileWaiting(idle: (() => boolean) | null): void {
    if (this.ahead !== null) this.ahead.idle = idle;
  }

  /** Drops keys of facts after `seq` that were never written: their seqs will be used again. */
  forgetAfter(seq: number): void {
    this.ahead?.forgetAfter(seq);
    for (const s of [...this.unwritten.keys()]) if (s > seq) this.unwritten.delete(s);
    this.live.dropAfter(seq);
  }

  /** Called once a batch is written: its keys are now readable from the vault. */
  written(seqs: readonly number[]): void {
    for (const s of seqs) this.unwritten.delete(s);
  }

  /**
   * Hands room events to the worker thread, each with the key of fact `seq` the state
   * before their batch says it needs, in log order (`first`: they open a new batch, and
   * what an earlier one left untaken is dropped). The worker is started only when `start`.
   */
  async decryptAhead(jobs: readonly { seq: number; ciphertext: string }[], first: boolean, start: boolean): Promise<void> {
    if (!this.aheadAllowed) return;
    if (this.ahead === null) {
      if (!start) return;
      this.ahead = MegolmDecryptAhead.start({ holds: (seq) => this.live.has(seq), decrypt: (seq, ciphertext) => this.live.get(seq)!.decrypt(ciphertext) });
      if (this.ahead === null) return;
    }
    if (!this.ahead.usable) return;
    const keys = new Map<number, string>();
    for (const { seq } of jobs) {
      if (keys.has(seq) || (this.ahead.holds(seq) && this.live.has(seq))) continue;
      // Read once: the worker gets the key, and it is live here too, so this thread can
      // take over jobs while the worker is busy.
      const exported = await this.exported(seq);
      if (exported === undefined) continue;
      if (!this.live.has(seq)) this.importLive(seq, exported);
      if (!this.ahead.holds(seq)) keys.set(seq, exported);
    }
    this.ahead.post(jobs, (seq) => keys.get(seq), first);
  }

  /**
   * Decrypts `ciphertext` with the key of fact `seq`: the worker's result when it decrypted
   * exactly this ahead, else here (synchronously when the key is live).
   */
  decrypt(seq: number, ciphertext: string): MegolmDecryption | Promise<MegolmDecryption> {
    const ahead = this.ahead?.take(seq, ciphertext);
    if (ahead !== undefined) return ahead;
    const live = this.live.get(seq);
    if (live !== undefined) return live.decrypt(ciphertext);
    return this.session(seq).then((s) => s?.decrypt(ciphertext));
  }

  /** The key of fact `seq` in the exported format, or undefined if the vault has none. */
  private async exported(seq: number): Promise<string | undefined> {
    const unwritten = this.unwritten.get(seq);
    if (unwritten !== undefined) return unwritten;
    const record = await this.vault.get(megolmVaultKey(seq));
    return record === undefined ? undefined : (JSON.parse(record) as { exported: string }).exported;
  }

  /** The live inbound session for the key of fact `seq`, or undefined if the vault has none. */
  async session(seq: number): Promise<InboundMegolmSession | undefined> {
    const live = this.live.get(seq);
    if (live !== undefined) return live;
    const exported = await this.exported(seq);
    return exported === undefined ? undefined : this.importLive(seq, exported);
  }

  /** Imports the key of fact `seq` and keeps it live. */
  private importLive(seq: number, exported: string): InboundMegolmSession {
    const session = InboundMegolmSession.import(this.olm, exported, 'exported');
    // The key imported once already, when it was examined: failing now is the engine's
    // failure (the input is rejected as `engine.ingest_failed`, naming olm's error).
    if (session instanceof OlmFailure) throw new Error(session.code);
    return this.live.add(seq, session);
  }

  free(): void {
    this.ahead?.stop();
    this.ahead = null;
    this.live.free();
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
