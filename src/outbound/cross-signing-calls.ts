/**
 * The calls a client makes about our cross-signing identity and our room messages, as
 * the facade hands them on: each logs one input, and its answer is read from what that
 * input wrote (the facts, the request, the decisions). A refusal is a typed error naming
 * the decision's code; no error or output ever carries a private key.
 */
import type { LedgerEntry } from '../../events/entry.js';
import type { Decision } from '../../projections/decision.js';
import type { CrossSigningKeySource, CrossSigningPrivateKeys, IngestResult } from '../api-types.js';
import { CrossSigningRefusedError } from '../errors.js';
import type { CrossSigner, CrossSigningSeeds } from './cross-signing.js';
import { requestMadeBy, requestsMadeBy, type OutgoingRequest } from './outgoing.js';

/** What the calls need from the ledger. */
export interface CallDeps {
  ingestUnknown(input: unknown): Promise<IngestResult>;
  /** The entries one input wrote (it and its facts). */
  entriesOf(result: IngestResult): Promise<LedgerEntry[]>;
}

/** `bootstrapCrossSigning`: new keys, their fact, and the two upload requests. */
export async function bootstrap(deps: CallDeps): Promise<{ keys: { master: string; selfSigning: string; userSigning: string }; requests: OutgoingRequest[]; decisions: Decision[] }> {
  const result = await deps.ingestUnknown({ kind: 'cross_signing', action: 'bootstrap' });
  const entries = await deps.entriesOf(result);
  for (const e of entries) {
    if (e.kind !== 'own_cross_signing_keys') continue;
    const p = (e as LedgerEntry<'own_cross_signing_keys', { master: string; self_signing: string; user_signing: string }>).payload;
    return { keys: { master: p.master, selfSigning: p.self_signing, userSigning: p.user_signing }, requests: requestsMadeBy(entries), decisions: result.decisions };
  }
  throw new CrossSigningRefusedError(result.decisions[0]?.code ?? 'engine.ingest_failed', result.seq, 'no keys were made');
}

/**
 * `importCrossSigningKeys`: the seeds go beside the input (never into the log); the input
 * names their public keys. A seed that is no key derives to none: logged as '' and
 * refused as not ours.
 */
export async function importKeys(deps: CallDeps, signer: CrossSigner, keys: CrossSigningPrivateKeys, source: CrossSigningKeySource): Promise<{ decisions: Decision[] }> {
  const seeds: CrossSigningSeeds = {
    ...(keys.master !== undefined ? { master: keys.master } : {}),
    ...(keys.selfSigning !== undefined ? { self_signing: keys.selfSigning } : {}),
    ...(keys.userSigning !== undefined ? { user_signing: keys.userSigning } : {}),
  };
  const derived = Object.fromEntries(Object.entries(signer.publicKeys(seeds)).map(([role, pk]) => [role, pk ?? '']));
  const txnId = signer.stage(seeds);
  try {
    const result = await deps.ingestUnknown({ kind: 'cross_signing', action: 'import', source, txn_id: txnId, ...derived });
    const refusal = result.decisions.find((d) => d.outcome === 'rejected' && d.code.startsWith('own_cross_signing.'));
    if (refusal !== undefined) throw new CrossSigningRefusedError(refusal.code, refusal.seq, `role ${String(refusal.detail?.role ?? '?')}`);
    if (!result.decisions.some((d) => d.code === 'own_cross_signing.keys_held')) throw new CrossSigningRefusedError('own_cross_signing.import_mismatch', result.seq, 'the keys were not kept');
    return { decisions: result.decisions };
  } finally {
    signer.unstage(txnId);
  }
}

/** `crossSignDevice` / `crossSignUser`: the signature_upload request, or the refusal's code. */
export async function crossSign(deps: CallDeps, input: { action: 'sign_device'; device_id: string } | { action: 'sign_user'; user_id: string }): Promise<{ request: OutgoingRequest; decisions: Decision[] }> {
  const result = await deps.ingestUnknown({ kind: 'cross_signing', ...input });
  const refusal = result.decisions.find((d) => d.outcome === 'rejected' && d.code.startsWith('cross_sign.'));
  if (refusal !== undefined) throw new CrossSigningRefusedError(refusal.code, refusal.seq, refusal.subject);
  const request = requestMadeBy(await deps.entriesOf(result));
  if (request === null) throw new CrossSigningRefusedError('cross_sign.no_private_key', result.seq, 'the private key is not in the vault');
  return { request, decisions: result.decisions };
}
