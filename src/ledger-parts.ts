/** The parts `openLedger` puts together for the {@link Ledger} facade. @internal */
import type { Decision } from '../projections/decision.js';
import type { OwnAccount } from './crypto/account.js';
import type { LedgerOptions } from './api-types.js';
import type { LedgerOwner } from './ledger-api.js';
import type { OlmCryptoPort } from './crypto/port.js';
import type { Ingestor } from './ingest/ingestor.js';
import type { Checkpointer } from './log/checkpointer.js';
import type { LedgerStore } from './log/store.js';
import type { LedgerState, Projector } from './runtime/projector.js';
import type { Vault } from './crypto/vault.js';

/** The open store, the engine's parts and the recovered state. */
export interface LedgerParts {
  store: LedgerStore;
  crypto: OlmCryptoPort;
  projector: Projector;
  account: OwnAccount | null;
  vault: Vault | null;
  ingestor: Ingestor | null;
  checkpoints: Checkpointer | null;
  options: LedgerOptions;
  readOnly: boolean;
  owner: LedgerOwner;
  state: LedgerState;
  head: { seq: number; hash: string };
  memoryDecisions: Decision[] | null;
  damaged: string | null;
}
