/**
 * Room events we send: queued as `room_message` requests. An event for an encrypted room
 * is Megolm-encrypted first (through the `encrypt_room_event` path, so the log keeps only
 * its hash) and queued as `m.room.encrypted`; never sent in the clear in its place.
 */
import { randomUUID } from 'node:crypto';
import { outboundRoom } from '../../projections/outbound/room-keys.js';
import type { IngestResult } from '../api-types.js';
import type { LedgerState } from '../runtime/projector.js';
import type { MegolmEncryptedEventContent } from './room-keys.js';

/** What queueing needs from the ledger. */
export interface RoomMessageDeps {
  state(): LedgerState;
  encryptRoomEvent(roomId: string, eventType: string, content: Record<string, unknown>): Promise<MegolmEncryptedEventContent>;
  ingestUnknown(input: unknown): Promise<IngestResult>;
}

/**
 * Whether an event for the room is encrypted: as the caller says, else when the ledger
 * has an outbound Megolm session record for the room (a `shareRoomKey` was made for it).
 */
export function roomIsEncrypted(state: LedgerState, roomId: string, encrypted: boolean | undefined): boolean {
  return encrypted ?? outboundRoom(state, roomId) !== undefined;
}

/** Queues the event (encrypted when the room is): the input that makes the `room_message` request. */
export async function queueRoomMessage(
  deps: RoomMessageDeps,
  roomId: string,
  eventType: string,
  content: Record<string, unknown>,
  encrypted?: boolean,
  newId: () => string = randomUUID,
): Promise<IngestResult> {
  const encrypt = roomIsEncrypted(deps.state(), roomId, encrypted);
  const body = encrypt ? { ...(await deps.encryptRoomEvent(roomId, eventType, content)) } : content;
  return deps.ingestUnknown({
    kind: 'send_room_message', room_id: roomId, event_type: encrypt ? 'm.room.encrypted' : eventType, txn_id: newId(), content: body, encrypted: encrypt,
  });
}
