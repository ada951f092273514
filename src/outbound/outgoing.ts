/**
 * The requests as the client sees them: what to send, where, and how to say it was sent.
 * Read from the `outbound` slice (pending requests) and the `outgoing_request` facts.
 */
import type { LedgerEntry } from '../../events/entry.js';
import type { ToDeviceRequestBody, KeysClaimRequestBody, KeysQueryRequestBody, KeysUploadRequestBody, OutgoingRequestPayload, OutgoingRequestType } from '../../events/outbound.js';
import type { DeviceSigningUploadBody, RoomMessageBody, SignatureUploadBody } from '../../events/cross-signing.js';
import type { PendingRequest } from '../../projections/outbound/state.js';

/** A request the client must send, then report with `markRequestAsSent(id, type, response)`. */
export type OutgoingRequest =
  | { id: string; type: 'keys_query'; method: 'POST'; path: '/_matrix/client/v3/keys/query'; body: KeysQueryRequestBody }
  | { id: string; type: 'keys_upload'; method: 'POST'; path: '/_matrix/client/v3/keys/upload'; body: KeysUploadRequestBody }
  | { id: string; type: 'keys_claim'; method: 'POST'; path: '/_matrix/client/v3/keys/claim'; body: KeysClaimRequestBody }
  | { id: string; type: 'to_device'; method: 'PUT'; path: string; event_type: string; txn_id: string; body: ToDeviceRequestBody }
  | { id: string; type: 'device_signing_upload'; method: 'POST'; path: '/_matrix/client/v3/keys/device_signing/upload'; body: DeviceSigningUploadBody }
  | { id: string; type: 'signature_upload'; method: 'POST'; path: '/_matrix/client/v3/keys/signatures/upload'; body: SignatureUploadBody }
  | { id: string; type: 'room_message'; method: 'PUT'; path: string; room_id: string; event_type: string; txn_id: string; body: RoomMessageBody };

/** The endpoint of each request type. */
export const REQUEST_PATHS: { readonly [T in OutgoingRequestType]: string } = {
  keys_query: '/_matrix/client/v3/keys/query',
  keys_upload: '/_matrix/client/v3/keys/upload',
  keys_claim: '/_matrix/client/v3/keys/claim',
  to_device: '/_matrix/client/v3/sendToDevice/{eventType}/{txnId}',
  device_signing_upload: '/_matrix/client/v3/keys/device_signing/upload',
  signature_upload: '/_matrix/client/v3/keys/signatures/upload',
  room_message: '/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}',
};

/** A pending request (or a request fact) as the client sends it. */
export function toOutgoingRequest(r: PendingRequest | OutgoingRequestPayload): OutgoingRequest {
  switch (r.type) {
    case 'keys_query':
      return { id: r.id, type: r.type, method: 'POST', path: '/_matrix/client/v3/keys/query', body: r.body };
    case 'keys_upload':
      return { id: r.id, type: r.type, method: 'POST', path: '/_matrix/client/v3/keys/upload', body: r.body };
    case 'keys_claim':
      return { id: r.id, type: r.type, method: 'POST', path: '/_matrix/client/v3/keys/claim', body: r.body };
    case 'to_device':
      return {
        id: r.id, type: r.type, method: 'PUT', path: `/_matrix/client/v3/sendToDevice/${encodeURIComponent(r.event_type)}/${encodeURIComponent(r.txn_id)}`,
        event_type: r.event_type, txn_id: r.txn_id, body: r.body,
      };
    case 'device_signing_upload':
      return { id: r.id, type: r.type, method: 'POST', path: '/_matrix/client/v3/keys/device_signing/upload', body: r.body };
    case 'signature_upload':
      return { id: r.id, type: r.type, method: 'POST', path: '/_matrix/client/v3/keys/signatures/upload', body: r.body };
    case 'room_message':
      return {
        id: r.id, type: r.type, method: 'PUT',
        path: `/_matrix/client/v3/rooms/${encodeURIComponent(r.room_id)}/send/${encodeURIComponent(r.event_type)}/${encodeURIComponent(r.txn_id)}`,
        room_id: r.room_id, event_type: r.event_type, txn_id: r.txn_id, body: r.body,
      };
  }
}

/** The request an entry makes, if it is an `outgoing_request` fact. */
export function requestOf(entry: LedgerEntry): OutgoingRequest | null {
  return entry.kind === 'outgoing_request' ? toOutgoingRequest(entry.payload as OutgoingRequestPayload) : null;
}

/** The request an input made, among the entries it wrote (the first, if several), or null. */
export function requestMadeBy(entries: readonly LedgerEntry[]): OutgoingRequest | null {
  for (const e of entries) {
    const request = requestOf(e);
    if (request !== null) return request;
  }
  return null;
}

/** Every request an input made, among the entries it wrote, in order. */
export function requestsMadeBy(entries: readonly LedgerEntry[]): OutgoingRequest[] {
  const out: OutgoingRequest[] = [];
  for (const e of entries) {
    const request = requestOf(e);
    if (request !== null) out.push(request);
  }
  return out;
}

/**
 * The envelope that logs a response: the response body under the request's own kind
 * (a `/keys/query` response is a `keys_query` envelope, judged exactly as one). An
 * unknown type makes an envelope the decoder refuses, so it is still logged, as rejected.
 */
export function responseEnvelope(id: string, type: string, response: unknown): Record<string, unknown> {
  // `to_device` is the kind of a received event, `room_message` names no envelope: a response to our send has its own.
  return { kind: type === 'to_device' ? 'to_device_sent' : type === 'room_message' ? 'room_message_sent' : type, request_id: id, response };
}
