/**
 * Writes signed snapshots (checkpoints) of the state: the chain head and the state's hash,
 * signed with our device's ed25519 key, beside the whole state, and the oldest pruned.
 */
import { canonicalJson, sha256Hex } from '../canonical.js';
import type { LedgerState, SliceVersions } from '../runtime/projector.js';
import { checkpointMessage, snapshotPut, snapshotsToPrune, type Snapshot } from './snapshots.js';
import { ENGINE_VERSION } from '../version.js';
import type { LedgerStore } from './store.js';

/** Who signs checkpoints: our device. */
export interface CheckpointSigner {
  userId: string;
  deviceId: string;
  ed25519: string;
  sign(message: string): string;
}

export class Checkpointer {
  /** The seq of the newest checkpoint written (or being written); -1 for none. */
  lastSeq: number;
  /** The write in progress, if any: checkpoints are written one at a time. */
  private pending: Promise<void> | null = null;

  constructor(
    private readonly store: LedgerStore,
    private readonly versions: SliceVersions,
    private readonly signer: CheckpointSigner,
    /** How many to keep (the newest ones). */
    private readonly keep: number,
    lastSeq: number,
  ) {
    this.lastSeq = lastSeq;
  }

  /**
   * Checkpoints `state` at `head`. The state is encoded once, hashed and signed at once
   * (the CPU part, before this returns); the write then runs beside whatever the caller
   * does next, after any earlier checkpoint's write.
   */
  write(state: LedgerState, head: { seq: number; hash: string }): Promise<void> {
    if (head.seq < 0) return Promise.resolve();
    const stateText = canonicalJson(state);
    const header = {
      seq: head.seq,
      headHash: head.hash,
      stateHash: sha256Hex(stateText),
      versions: this.versions,
      userId: this.signer.userId,
      deviceId: this.signer.deviceId,
    };
    const snapshot: Snapshot = {
      ...header,
      engineVersion: ENGINE_VERSION,
      signer: this.signer.ed25519,
      signature: this.signer.sign(checkpointMessage(header)),
      state,
    };
    const put = snapshotPut(this.store, snapshot, stateText);
    const before = this.lastSeq;
    this.lastSeq = head.seq;
    const write = (this.pending ?? Promise.resolve()).then(async () => {
      try {
        await this.store.write([put, ...(await snapshotsToPrune(this.store, head.seq, this.keep))], false);
      } catch (err) {
        // Not written: the next one is due as if this one had not been tried.
        if (this.lastSeq === head.seq) this.lastSeq = before;
        throw err;
      }
    });
    const settled: Promise<void> = write.then(
      () => this.clear(settled),
      () => this.clear(settled),
    );
    this.pending = settled;
    return write;
  }

  /** Resolves once no checkpoint is being written. */
  async settled(): Promise<void> {
    while (this.pending) await this.pending;
  }

  private clear(done: Promise<void>): void {
    if (this.pending === done) this.pending = null;
  }
}
