/**
 * Answers to our cross-signing uploads and room messages: the request is no longer
 * pending, and what the server said is recorded (each signature it refused, with its
 * errcode, is a decision of its own: never silently dropped).
 */
import type { EntryOf } from '../../events/entry.js';
import { earlier, recorderFor } from '../codes.js';
import { subject } from '../decision.js';
import type { ReduceContext } from '../slice.js';
import { outboundCodes } from './codes.js';
import { requestCodes } from './request-codes.js';
import type { OutboundState, PendingRequest } from './state.js';

const record = recorderFor(requestCodes);
const recordOutbound = recorderFor(outboundCodes);

/** The most signatures one response is judged for, one decision each (the rest in one count). */
const MAX_JUDGED = 1000;

function take<T extends PendingRequest['type']>(state: OutboundState, id: string, type: T, seq: number, ctx: ReduceContext): Extract<PendingRequest, { type: T }> | undefined {
  const i = state.pending.findIndex((r) => r.id === id && r.type === type);
  if (i < 0) {
    recordOutbound(ctx, 'request.unknown_response', subject('input', seq), [], { request_id: id });
    return undefined;
  }
  return state.pending.splice(i, 1)[0] as Extract<PendingRequest, { type: T }>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 200) : null);

/** A field of a server's error object (`{ errcode, error }`), if it is one. */
function errorField(error: unknown, field: 'errcode' | 'error'): string | null {
  return typeof error === 'object' && error !== null && !Array.isArray(error) ? str((error as Record<string, unknown>)[field]) : null;
}

/** A `/keys/device_signing/upload` response. */
export function foldDeviceSigningUpload(state: OutboundState, entry: EntryOf<'device_signing_upload'>, ctx: ReduceContext): void {
  const request = take(state, entry.payload.request_id, 'device_signing_upload', entry.seq, ctx);
  if (request === undefined) return;
  const master = Object.values(request.body.master_key.keys)[0] ?? null;
  record(ctx, 'device_signing_upload.accepted', subject('user', request.body.master_key.user_id), earlier(entry.seq, request.seq), { request_id: request.id, master });
}

/**
 * A `/keys/signatures/upload` response: each signed object of the request is judged, as
 * refused (listed under `failures`, with its errcode) or taken.
 */
export function foldSignatureUpload(state: OutboundState, entry: EntryOf<'signature_upload'>, ctx: ReduceContext): void {
  const request = take(state, entry.payload.request_id, 'signature_upload', entry.seq, ctx);
  if (request === undefined) return;
  const failures = entry.payload.response.failures ?? {};
  const because = earlier(entry.seq, request.seq);
  let judged = 0;
  for (const userId of Object.keys(request.body).sort()) {
    const failed = Object.prototype.hasOwnProperty.call(failures, userId) ? failures[userId]! : {};
    for (const keyId of Object.keys(request.body[userId]!).sort()) {
      if (++judged > MAX_JUDGED) break;
      const about = subject('device', userId, keyId);
      if (Object.prototype.hasOwnProperty.call(failed, keyId)) {
        const error = failed[keyId];
        record(ctx, 'signature_upload.failed', about, because, { request_id: request.id, key_id: keyId, errcode: errorField(error, 'errcode'), error: errorField(error, 'error') });
      } else {
        record(ctx, 'signature_upload.accepted', about, because, { request_id: request.id, key_id: keyId });
      }
    }
  }
  // Failures for objects we never sent: the server's answer is odd, recorded all the same.
  for (const userId of Object.keys(failures).sort()) {
    for (const keyId of Object.keys(failures[userId]!).sort()) {
      if (Object.prototype.hasOwnProperty.call(request.body, userId) && Object.prototype.hasOwnProperty.call(request.body[userId]!, keyId)) continue;
      if (++judged > MAX_JUDGED) return;
      record(ctx, 'signature_upload.failed', subject('device', userId, keyId), because, {
        request_id: request.id, key_id: keyId, errcode: errorField(failures[userId]![keyId], 'errcode'), error: 'not in the request',
      });
    }
  }
}

/** A `PUT /rooms/{roomId}/send` response: the event ID the server gave our event. */
export function foldRoomMessageSent(state: OutboundState, entry: EntryOf<'room_message_sent'>, ctx: ReduceContext): void {
  const request = take(state, entry.payload.request_id, 'room_message', entry.seq, ctx);
  if (request === undefined) return;
  record(ctx, 'room_message.sent', subject('input', entry.seq), earlier(entry.seq, request.seq), {
    request_id: request.id, room_id: request.room_id, event_type: request.event_type, txn_id: request.txn_id, event_id: str(entry.payload.response.event_id),
  });
}

/** A room_message request was made (the event as the server gets it). */
export function recordRoomMessageQueued(ctx: ReduceContext, seq: number, inputSeq: number, p: { id: string; room_id: string; event_type: string; txn_id: string }): void {
  record(ctx, 'room_message.queued', subject('input', seq), earlier(seq, inputSeq), { request_id: p.id, room_id: p.room_id, event_type: p.event_type, txn_id: p.txn_id });
}
