/**
 * What the outbound path, the CLI and other slices may ask the `gossip` slice. Pure lookups.
 */
import { hmEntries, hmPeek } from '../hashmap.js';
import { ownCrossSigningKeys } from '../identities/selectors.js';
import type { AnswerDue, GossipState, SecretRequestRecord, StoredSecret } from './state.js';

type Root = Readonly<Record<string, unknown>>;

/** The slice's name in the ledger state. */
export const GOSSIP = 'gossip';

export function gossipState(root: Root): GossipState {
  return root[GOSSIP] as GossipState;
}

/** The role of a cross-signing secret (`m.cross_signing.self_signing` → `self_signing`), or null. */
export function crossSigningRoleOf(name: string): 'master' | 'self_signing' | 'user_signing' | null {
  return name === 'm.cross_signing.master' ? 'master' : name === 'm.cross_signing.self_signing' ? 'self_signing' : name === 'm.cross_signing.user_signing' ? 'user_signing' : null;
}

/**
 * A secret we hold, or undefined: one a `secret_stored` fact logged, or a private
 * cross-signing key the identities slice says we hold. `state` is the slice's own draft
 * while folding.
 */
export function heldSecret(root: Root, name: string, state: GossipState = gossipState(root)): StoredSecret | undefined {
  const stored = hmPeek(state.stored, name);
  if (stored !== undefined) return stored;
  const role = crossSigningRoleOf(name);
  const ours = role === null ? null : ownCrossSigningKeys(root);
  const publicKey = ours === null ? null : role === 'master' ? ours.master : role === 'self_signing' ? ours.selfSigning : ours.userSigning;
  return ours !== null && publicKey !== null ? { seq: ours.seq, source: ours.source, publicKey } : undefined;
}

/** Every answer we owe, oldest request first (bounded by `MAX_ANSWERS_DUE`). */
export function answersDue(root: Root): AnswerDue[] {
  return hmEntries(gossipState(root).answersDue).map(([, a]) => a).sort((a, b) => a.seq - b.seq);
}

/** Our secret request by ID. */
export function secretRequest(root: Root, requestId: string): SecretRequestRecord | undefined {
  return hmPeek(gossipState(root).secretRequests, requestId);
}

/** Secret requests answered whose cancellation to the other devices is not sent yet. */
export function secretCancellationsDue(root: Root): { requestId: string; request: SecretRequestRecord }[] {
  const state = gossipState(root);
  const out: { requestId: string; request: SecretRequestRecord }[] = [];
  for (const [requestId] of hmEntries(state.cancellationsDue)) {
    const request = hmPeek(state.secretRequests, requestId);
    if (request !== undefined) out.push({ requestId, request });
  }
  return out;
}

/** Accepted `m.secret.send` whose secret is still to be sealed in the vault, by request ID. */
export function secretsToStore(root: Root): { requestId: string; name: string; seq: number }[] {
  return hmEntries(gossipState(root).secretsToStore).map(([requestId, s]) => ({ requestId, ...s }));
}
