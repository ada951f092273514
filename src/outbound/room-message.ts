/**
 * Room events we send: queued as `room_message` requests. An event for an encrypted room
 * is Megolm-encrypted first (through the `encrypt_room_event` path, so the log keeps only
 * its hash) and queued as `m.room.encrypted`; never sent in the clear in its place.
 */
import { randomUUID } from 'node:crypto';
import { outboundRoom } from '../../projections/outbound/room-keys.js';
import type { LedgerEntry } from '../../events/entry.js';
import type { IngestResult } from '../api-types.js';
import { KeyledgerError } from '../errors.js';
import { requestMadeBy, type OutgoingRequest } from './outgoing.js';
import type { LedgerState } from '../runtime/projector.js';
import type { MegolmEncryptedEventContent } from './room-keys.js';

/** What queueing needs from the ledger. */
export interface RoomMessageDeps {
  state(): LedgerState;
  encryptRoomEvent(roomId: string, eventType: string, content: Record<string, unknown>): Promise<MegolmEncryptedEventContent>;
  ingestUnknown(input: unknown): Promise<IngestResult>;
  entriesOf(result: IngestResult): Promise<LedgerEntry[]>;
}

/**
 * Whether an event for the room is encrypted: as the caller says, else when the ledger
 * has an outbound Megolm session record for the room (a `shareRoomKey` was made for it).
 */
export function roomIsEncrypted(state: LedgerState, roomId: string, encrypted: boolean | undefined): boolean {
  return encrypted ?? outboundRoom(state, roomId) !== undefined;
}

/**
 * Queues the event (encrypted when the room is) and returns its `room_message` request.
 * A send_room_message input always makes one: none means the engine failed on the input
 * (it is logged as rejected, `engine.ingest_failed`).
 */
export async function queueRoomMessage(
  deps: RoomMessageDeps,
  roomId: string,
  eventType: string,
  content: Record<string, unknown>,
  encrypted?: boolean,
  newId: () => string = randomUUID,
): Promise<OutgoingRequest> {
  const encrypt = roomIsEncrypted(deps.state(), roomId, encrypted);
  const body = encrypt ? { ...(await deps.encryptRoomEvent(roomId, eventType, content)) } : content;
  const result = await deps.ingestUnknown({
    kind: 'send_room_message', room_id: roomId, event_type: encrypt ? 'm.room.encrypted' : eventType, txn_id: newId(), content: body, encrypted: encrypt,
  });
  const request = requestMadeBy(await deps.entriesOf(result));
  if (request === null) throw new KeyledgerError('room_message.not_queued', `no room_message request was made for ${roomId} (input logged at seq ${result.seq})`);
  return request;
}
