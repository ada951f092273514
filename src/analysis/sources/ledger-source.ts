import type { Ledger } from '../../ledger.js';
import type { LogSource } from './source.js';

/** A ledger opened read-only, as a {@link LogSource}: each method is the ledger's own. */
export function ledgerSource(ledger: Ledger, path: string): LogSource {
  return {
    kind: 'ledger',
    path,
    owner: ledger.owner,
    headSeq: () => ledger.headSeq(),
    entries: (range) => ledger.entries(range),
    state: () => ledger.state(),
    stateAt: (seq) => ledger.stateAt(seq),
    decisions: (filter) => ledger.decisions(filter),
    streamDecisions: (filter) => ledger.streamDecisions(filter),
    recordedDecisions: (filter) => ledger.recordedDecisions(filter),
    replay: (options) => ledger.replay(options),
    verify: (options) => ledger.verify(options),
    stateHash: (state) => ledger.stateHash(state),
    sliceVersions: () => ledger.sliceVersions(),
    close: () => ledger.close(),
  };
}
