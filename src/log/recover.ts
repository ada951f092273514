import { GENESIS_PREV_HASH } from '../../events/entry.js';
import type { Decision } from '../../projections/decision.js';
import { decisionPuts } from './decisions.js';
import { CorruptStoreError } from '../errors.js';
import type { LedgerStore } from './store.js';
import type { LedgerState, Projector } from '../runtime/projector.js';
import { latestSnapshot } from './snapshots.js';

/** The state an opened ledger starts from, and how it got there. */
export interface Recovered {
  init: { state: LedgerState; head: { seq: number; hash: string }; lastSnapshotSeq: number };
  /** True when no snapshot matched today's slice versions and the state was rebuilt from the log. */
  rebuilt: boolean;
  /** Decisions of a read-only rebuild (kept in memory: nothing may be written). */
  memoryDecisions: Decision[] | null;
  /** Why the log could not be read to its end (read-only opens only), or null. */
  damaged: string | null;
}

/**
 * Rebuilds the state from the newest snapshot taken under today's slice versions plus the
 * log's tail. Without one, the persisted (current-rules) decisions were taken by other
 * reducers: a writable ledger rebuilds them; a read-only one keeps them in memory.
 */
export async function recoverState(store: LedgerStore, projector: Projector, readOnly: boolean): Promise<Recovered> {
  const snapshot = await latestSnapshot(store.snap, projector.versions);
  let state = snapshot?.state ?? projector.initial();
  let head = snapshot ? { seq: snapshot.seq, hash: snapshot.headHash } : { seq: -1, hash: GENESIS_PREV_HASH };
  const rebuild = snapshot === undefined;
  const memoryDecisions: Decision[] | null = rebuild && readOnly ? [] : null;
  if (rebuild && !readOnly) await store.decisions.clear();
  let damaged: string | null = null;
  try {
    for await (const chunk of store.entries(head.seq + 1)) {
      const decisions: Decision[] = [];
      state = projector.fold(state, chunk, rebuild ? decisions : undefined);
      if (rebuild && readOnly) memoryDecisions!.push(...decisions);
      if (rebuild && !readOnly && decisions.length > 0) await store.write(decisionPuts(decisions, false), false);
      const last = chunk[chunk.length - 1]!;
      head = { seq: last.seq, hash: last.hash };
    }
  } catch (err) {
    // A damaged log can still be opened for analysis (that is what `verify` is for);
    // nothing may be appended to it.
    if (!(err instanceof CorruptStoreError) || !readOnly) throw err;
    damaged = `${err.message}; the state is as of seq ${head.seq}`;
  }
  return { init: { state, head, lastSnapshotSeq: snapshot?.seq ?? -1 }, rebuilt: rebuild && head.seq >= 0 && !damaged, memoryDecisions, damaged };
}
