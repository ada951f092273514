import type { EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import { hmGet } from '../hashmap.js';
import type { ReduceContext } from '../slice.js';
import { outboundCodes } from './codes.js';
import type { OutboundState } from './state.js';
import { recordRoomMessageQueued } from './cross-signing.js';

const record = recorderFor(outboundCodes);

/** A request the engine made: pending until its response is logged. */
export function foldOutgoingRequest(state: OutboundState, entry: EntryOf<'outgoing_request'>, ctx: ReduceContext): void {
  const p = entry.payload;
  if (state.pending.some((r) => r.id === p.id)) return;
  if (p.type === 'keys_query') {
    state.pending.push({ id: p.id, seq: entry.seq, type: p.type, body: p.body });
    for (const userId of Object.keys(p.body.device_keys).sort()) {
      const tracked = hmGet(state.tracked, userId);
      const because = earlier(entry.seq, tracked?.seq, p.input_seq);
      if (tracked !== undefined) {
        tracked.outdated = false;
        tracked.querying = p.id;
      }
      record(ctx, 'keys_query.requested', subject('user', userId), because, { request_id: p.id });
    }
    return;
  }
  if (p.type === 'keys_claim') {
    state.pending.push({ id: p.id, seq: entry.seq, type: p.type, body: p.body });
    return;
  }
  if (p.type === 'to_device') {
    state.pending.push({ id: p.id, seq: entry.seq, type: p.type, event_type: p.event_type, txn_id: p.txn_id, body: p.body });
    return;
  }
  if (p.type === 'device_signing_upload' || p.type === 'signature_upload') {
    state.pending.push({ id: p.id, seq: entry.seq, type: p.type, body: p.body } as OutboundState['pending'][number]);
    return;
  }
  if (p.type === 'room_message') {
    state.pending.push({ id: p.id, seq: entry.seq, type: p.type, room_id: p.room_id, event_type: p.event_type, txn_id: p.txn_id, body: p.body });
    recordRoomMessageQueued(ctx, entry.seq, p.input_seq, p);
    return;
  }
  state.pending.push({ id: p.id, seq: entry.seq, type: p.type, body: p.body });
  const because = earlier(entry.seq, state.oneTimeKeys?.seq, state.unusedFallbackTypes?.seq, p.input_seq);
  const about = subject('input', entry.seq);
  const made = Object.keys(p.body.one_time_keys).length;
  if (made > 0) {
    record(ctx, 'one_time_keys.replenish', about, because, { request_id: p.id, count: p.one_time_key_count, max: p.max_one_time_keys, new_keys: made });
  }
  if (p.body.fallback_keys !== undefined) {
    record(ctx, 'fallback_key.replace', about, because, { request_id: p.id, unused_fallback_types: state.unusedFallbackTypes?.types.join(',') ?? null });
    // The key it replaces is kept for messages still on their way, for an hour.
    if (state.fallback.made) state.fallback.old = { since: entry.receivedAt, seq: entry.seq };
    state.fallback.made = true;
  }
}

/** The fallback key before the current one was forgotten (its private half dropped). */
export function foldFallbackKeyForgotten(state: OutboundState, entry: EntryOf<'fallback_key_forgotten'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const old = state.fallback.old;
  state.fallback.old = null;
  record(ctx, 'fallback_key.forget_old', subject('input', entry.seq), earlier(entry.seq, p.replaced_seq, p.input_seq), {
    replaced_seq: p.replaced_seq,
    replaced_at: old?.since ?? null,
  });
}

/**
 * A `/keys/query` response (judged by the identities slice as every keys_query is): when it
 * answers a pending request, its users are fetched; one outdated again meanwhile stays so.
 */
export function foldKeysQueryResponse(state: OutboundState, entry: EntryOf<'keys_query'>, ctx: ReduceContext): void {
  const id = entry.payload.request_id;
  if (id === undefined) return;
  const i = state.pending.findIndex((r) => r.id === id && r.type === 'keys_query');
  if (i < 0) return unknownResponse(ctx, entry.seq, id);
  const [request] = state.pending.splice(i, 1);
  if (request?.type !== 'keys_query') return;
  for (const userId of Object.keys(request.body.device_keys)) {
    const tracked = hmGet(state.tracked, userId);
    if (tracked !== undefined && tracked.querying === id) tracked.querying = null;
  }
}

/** A `/keys/upload` response: the server's new count of our one-time keys. */
export function foldKeysUploadResponse(state: OutboundState, entry: EntryOf<'keys_upload'>, ctx: ReduceContext): void {
  const id = entry.payload.request_id;
  const i = state.pending.findIndex((r) => r.id === id && r.type === 'keys_upload');
  if (i < 0) return unknownResponse(ctx, entry.seq, id);
  const [request] = state.pending.splice(i, 1);
  if (request?.type !== 'keys_upload') return;
  const counts = entry.payload.response.one_time_key_counts;
  state.oneTimeKeys = { count: Object.prototype.hasOwnProperty.call(counts, 'signed_curve25519') ? counts['signed_curve25519']! : 0, seq: entry.seq };
  if (request.body.fallback_keys !== undefined && state.unusedFallbackTypes !== null && !state.unusedFallbackTypes.types.includes('signed_curve25519')) {
    state.unusedFallbackTypes = { types: [...state.unusedFallbackTypes.types, 'signed_curve25519'].sort(), seq: entry.seq };
  }
  if (request.body.device_keys !== undefined) state.deviceKeysUploaded = true;
}

function unknownResponse(ctx: ReduceContext, seq: number, id: string): void {
  record(ctx, 'request.unknown_response', subject('input', seq), [], { request_id: id });
}

/** A `/sendToDevice` response: the request is answered. */
export function foldToDeviceSent(state: OutboundState, entry: EntryOf<'to_device_sent'>, ctx: ReduceContext): void {
  const id = entry.payload.request_id;
  const i = state.pending.findIndex((r) => r.id === id && r.type === 'to_device');
  if (i < 0) return unknownResponse(ctx, entry.seq, id);
  state.pending.splice(i, 1);
}
