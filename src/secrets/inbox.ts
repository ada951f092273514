/**
 * Secrets that arrived in `m.secret.send` payloads, held in memory from their decryption
 * until the gossip slice has judged them, within the same batch: an accepted one is
 * sealed in the vault, every other one is dropped when the batch is written. Never logged.
 */
export class SecretInbox {
  private readonly bySeq = new Map<number, string>();

  /** The secret of the `olm_decrypted` fact at `seq`. */
  put(seq: number, secret: string): void {
    this.bySeq.set(seq, secret);
  }

  /** Takes the secret of the fact at `seq` (once). */
  take(seq: number): string | undefined {
    const secret = this.bySeq.get(seq);
    this.bySeq.delete(seq);
    return secret;
  }

  /** Forgets every secret not taken: their batch is written or abandoned. */
  clear(): void {
    this.bySeq.clear();
  }
}
