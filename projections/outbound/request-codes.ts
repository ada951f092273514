import { defineCodes } from '../codes.js';

const CROSS_SIGNING = 'Cross-signing';

/**
 * Reason codes of the `outbound` slice for the answers to our cross-signing uploads and
 * room messages. Quotes are verbatim (checked by `test/projections/codes.test.ts`).
 */
export const requestCodes = defineCodes([
  {
    code: 'device_signing_upload.accepted',
    outcome: 'accepted',
    summary: 'The server took our cross-signing public keys (/keys/device_signing/upload answered).',
    spec: 'Users upload the public parts of their master signing, user-signing and self-signing keys to the server using',
    section: CROSS_SIGNING,
  },
  {
    code: 'signature_upload.accepted',
    outcome: 'accepted',
    summary: 'The server took a signature we uploaded (/keys/signatures/upload listed no failure for it).',
    spec: 'The master signing key may also be signed by the user\'s own device keys to aid in migrating from device verifications:',
    section: CROSS_SIGNING,
  },
  {
    code: 'signature_upload.failed',
    outcome: 'rejected',
    summary: 'The server refused a signature we uploaded: listed under `failures` with its errcode (the key ID or device ID, and the errcode, are in the detail).',
    spec: 'beyond the spec: the `failures` of a /keys/signatures/upload response (api/cross_signing.yaml: "A map from user ID to key ID to an error for any signatures that failed") are judged one by one, never ignored',
    section: CROSS_SIGNING,
  },
  {
    code: 'room_message.queued',
    outcome: 'accepted',
    summary: 'An event is queued to send to a room (a room_message request), encrypted with our outbound session when the room is encrypted.',
    spec: 'When a user wants to send a message in an encrypted room, their client first',
    section: 'Sharing keys between devices',
  },
  {
    code: 'room_message.sent',
    outcome: 'accepted',
    summary: 'The server took a room event we sent and gave it an event ID.',
    spec: 'beyond the spec: the client-server API\'s PUT /rooms/{roomId}/send answers with the event_id; it is logged so the event can be traced back to the request.',
    section: 'Client-server API',
  },
]);

export type RequestCode = keyof typeof requestCodes;
