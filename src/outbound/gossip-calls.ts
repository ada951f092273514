/**
 * The gossip calls as the facade hands them on: our key and secret requests (each logs one
 * user action, whose request ID is made here and logged with it), and the import of a
 * private cross-signing key accepted from `m.secret.send`.
 */
import { randomUUID } from 'node:crypto';
import { crossSigningRoleOf } from '../../projections/gossip/selectors.js';
import type { CrossSigningKeySource, CrossSigningPrivateKeys, IngestOutcome } from '../api-types.js';
import type { Vault } from '../crypto/vault.js';
import { CrossSigningRefusedError } from '../errors.js';
import type { GossipRequestResult } from '../ledger-api.js';
import { readSecret } from '../secrets/stored.js';
import type { CallDeps } from './cross-signing-calls.js';
import { requestsMadeBy } from './outgoing.js';

/** `requestRoomKey`: a `send_room_key_request` action; the requests it made. */
export async function requestRoomKey(deps: CallDeps, roomId: string, sessionId: string, senderKey?: string): Promise<GossipRequestResult> {
  const requestId = randomUUID();
  const result = await deps.ingestUnknown({
    kind: 'user_action', action: 'send_room_key_request', room_id: roomId, session_id: sessionId, request_id: requestId, ...(senderKey !== undefined ? { sender_key: senderKey } : {}),
  });
  return { requestId, requests: requestsMadeBy(await deps.entriesOf(result)), decisions: result.decisions };
}

/** `requestSecret`: a `send_secret_request` action; the requests it made. */
export async function requestSecret(deps: CallDeps, name: string): Promise<GossipRequestResult> {
  const requestId = randomUUID();
  const result = await deps.ingestUnknown({ kind: 'user_action', action: 'send_secret_request', name, request_id: requestId });
  return { requestId, requests: requestsMadeBy(await deps.entriesOf(result)), decisions: result.decisions };
}

/**
 * Whether any outcome accepted a secret from `m.secret.send` (checked before
 * {@link importSharedCrossSigningKeys}, so an ordinary input's answer waits for nothing more).
 */
export function mayImportSharedCrossSigningKeys(outcomes: readonly IngestOutcome[]): boolean {
  for (const o of outcomes) {
    if (!o.ok) continue;
    for (const d of o.decisions) if (d.code === 'secret_send.accepted') return true;
  }
  return false;
}

/**
 * A private cross-signing key accepted from `m.secret.send` (sealed under `secret/<name>`)
 * is imported as our own with `importKeys(…, 'secret_send')`, which checks it against the
 * public key our identity publishes (a refusal is logged there, not thrown here).
 */
export async function importSharedCrossSigningKeys(
  outcomes: readonly IngestOutcome[], vault: Vault | null, importKeys: (keys: CrossSigningPrivateKeys, source: CrossSigningKeySource) => Promise<unknown>,
): Promise<void> {
  const names = new Set<string>();
  for (const o of outcomes) {
    if (!o.ok) continue;
    for (const d of o.decisions) {
      const name = d.detail?.['name'];
      if (d.code === 'secret_send.accepted' && typeof name === 'string' && crossSigningRoleOf(name) !== null) names.add(name);
    }
  }
  if (names.size === 0 || vault === null) return;
  const keys: CrossSigningPrivateKeys = {};
  for (const name of names) {
    const seed = await readSecret(vault, name);
    const role = crossSigningRoleOf(name);
    if (seed === undefined) continue;
    if (role === 'master') keys.master = seed;
    else if (role === 'self_signing') keys.selfSigning = seed;
    else if (role === 'user_signing') keys.userSigning = seed;
  }
  await importKeys(keys, 'secret_send').catch((err: unknown) => {
    if (!(err instanceof CrossSigningRefusedError)) throw err;
  });
}
