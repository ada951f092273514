/**
 * What `receiveSync` hands back for each to-device event: the plaintext of what the
 * client handles itself, and only a marker for what the engine consumes (room keys,
 * secrets) or refused, so no secret ever leaves through it.
 */
import type { LedgerEntry } from '../../events/entry.js';
import type { OlmDecryptedPayload, OlmUndecryptablePayload } from '../../events/facts.js';
import type { ToDeviceEnvelope } from '../../events/envelope.js';
import type { Decision } from '../../projections/decision.js';
import { olmPayloadVerdict } from '../../projections/olm/selectors.js';
import type { IngestOutcome, IngestResult } from '../api-types.js';
import type { InputDecodeError } from '../errors.js';
import type { LedgerState } from '../runtime/projector.js';

/** To-device types the engine consumes: their content (keys, secrets) is never handed out. */
const CONSUMED: ReadonlySet<string> = new Set([
  'm.room_key', 'm.forwarded_room_key', 'm.room_key.withheld', 'm.secret.send', 'm.room_key_bundle', 'm.dummy',
  // Answered (or refused) by the engine itself: src/outbound/gossip.ts.
  'm.room_key_request', 'm.secret.request',
]);

/** One to-device event of a sync, as processed. */
export type ToDeviceResult =
  /** Decrypted (or sent in the clear) and for the client: its type and content. */
  | {
      status: 'decrypted' | 'plaintext';
      seq: number;
      type: string;
      sender: string;
      content: Record<string, unknown>;
      /** For an Olm event: the sender key, and the device it belongs to when known. */
      senderKey: string | null;
      senderDevice: { userId: string; deviceId: string; via: 'keys_query' | 'sender_device_keys' } | null;
      decisions: Decision[];
    }
  /** Taken by the engine (a room key, a secret, a dummy): no content. */
  | { status: 'consumed'; seq: number; type: string; sender: string; decisions: Decision[] }
  /** Refused by a rule: the decisions say why; no content. */
  | { status: 'refused'; seq: number; type: string | null; sender: string; decisions: Decision[] }
  /** Olm could not decrypt it. */
  | { status: 'undecryptable'; seq: number; sender: string; reason: OlmUndecryptablePayload['reason']; decisions: Decision[] }
  /** Not a valid to-device event: logged as a rejected input. */
  | { status: 'invalid'; error: InputDecodeError };

/** The result of one to-device event, from its outcome and its entries (input first). */
export function toDeviceResult(outcome: IngestOutcome, entries: readonly LedgerEntry[], state: LedgerState): ToDeviceResult {
  if (!outcome.ok) return { status: 'invalid', error: outcome.error };
  const { seq, decisions } = outcome;
  const input = entries.find((e) => e.seq === seq)!.payload as ToDeviceEnvelope;
  const refused = decisions.some((d) => d.outcome === 'rejected');
  const fact = entries.find((e) => e.seq !== seq && (e.kind === 'olm_decrypted' || e.kind === 'olm_undecryptable'));
  const sender = input.event.sender;
  if (fact?.kind === 'olm_undecryptable') {
    return { status: 'undecryptable', seq, sender, reason: (fact.payload as OlmUndecryptablePayload).reason, decisions };
  }
  if (fact?.kind === 'olm_decrypted') {
    const p = fact.payload as OlmDecryptedPayload;
    const type = p.plaintext?.type ?? null;
    if (refused || p.plaintext === null || type === null) return { status: 'refused', seq, type, sender, decisions };
    if (CONSUMED.has(type)) return { status: 'consumed', seq, type, sender, decisions };
    const device = olmPayloadVerdict(state, fact.seq)?.device ?? null;
    return {
      status: 'decrypted', seq, type, sender, content: { ...p.plaintext.content }, senderKey: p.sender_key,
      senderDevice: device === null ? null : { userId: device.userId, deviceId: device.deviceId, via: device.via },
      decisions,
    };
  }
  const type = input.event.type;
  if (refused || type === 'm.room.encrypted') return { status: 'refused', seq, type, sender, decisions };
  if (CONSUMED.has(type)) return { status: 'consumed', seq, type, sender, decisions };
  return { status: 'plaintext', seq, type, sender, content: { ...input.event.content }, senderKey: null, senderDevice: null, decisions };
}

/** Each to-device event of a sync, as processed, from the sync's result and the entries it wrote. */
export function toDeviceResults(result: IngestResult, entries: readonly LedgerEntry[], state: LedgerState): ToDeviceResult[] {
  return (result.toDevice ?? []).map((o) => {
    const own = o.ok ? new Set(o.seqs) : null;
    return toDeviceResult(o, own === null ? [] : entries.filter((e) => own.has(e.seq)), state);
  });
}
