/**
 * Makes a Rust OlmMachine talk to testkit devices: it learns their keys (we answer its
 * `/keys/query` and `/keys/claim`), then produces real Olm-encrypted `m.room_key`
 * to-device events and Megolm room events; and it receives what testkit devices send.
 */
import type { KeysQueryResponse, MegolmRoomEvent, OlmToDeviceEvent, SignedCurve25519Key } from '../../src/testkit/index.js';
import { RustSdk } from './rust.js';

/**
 * Tracks every user listed in `response` and answers all pending `/keys/query` requests
 * with it. Include the Rust machine's own user if it should learn its own identity too.
 */
export async function rustReceiveKeysQuery(machine: RustSdk.OlmMachine, response: KeysQueryResponse): Promise<void> {
  await machine.updateTrackedUsers(Object.keys(response.device_keys).map((u) => new RustSdk.UserId(u)));
  for (const request of await machine.outgoingRequests()) {
    if (request.type !== RustSdk.RequestType.KeysQuery) continue;
    const query = request as RustSdk.KeysQueryRequest;
    await machine.markRequestAsSent(query.id, query.type, JSON.stringify(response));
  }
}

/** `/keys/claim` answers: user → device → `{"signed_curve25519:ID": key}`. */
export type ClaimedKeys = Record<string, Record<string, Record<string, SignedCurve25519Key>>>;

/** Lets the machine claim one-time keys for devices it has no Olm session with. */
export async function rustReceiveKeysClaim(machine: RustSdk.OlmMachine, oneTimeKeys: ClaimedKeys): Promise<void> {
  const claim = await machine.getMissingSessions(Object.keys(oneTimeKeys).map((u) => new RustSdk.UserId(u)));
  if (!claim) return;
  await machine.markRequestAsSent(claim.id, claim.type, JSON.stringify({ one_time_keys: oneTimeKeys, failures: {} }));
}

/** One to-device event the Rust machine sent, with its addressee. */
export interface RustToDevice {
  userId: string;
  deviceId: string;
  event: OlmToDeviceEvent;
}

/**
 * Creates (or reuses) the machine's Megolm session for `roomId` and Olm-encrypts its
 * `m.room_key` to every known device of `userIds`; returns the to-device events as a
 * recipient's sync would deliver them. Default settings share with unverified devices too.
 */
export async function rustShareRoomKey(
  machine: RustSdk.OlmMachine,
  roomId: string,
  userIds: string[],
  settings: RustSdk.EncryptionSettings = new RustSdk.EncryptionSettings(),
): Promise<RustToDevice[]> {
  const requests = await machine.shareRoomKey(new RustSdk.RoomId(roomId), userIds.map((u) => new RustSdk.UserId(u)), settings);
  const out: RustToDevice[] = [];
  for (const request of requests) {
    const { messages } = JSON.parse(request.body) as { messages: Record<string, Record<string, OlmToDeviceEvent['content']>> };
    for (const [userId, devices] of Object.entries(messages)) {
      for (const [deviceId, content] of Object.entries(devices)) {
        out.push({ userId, deviceId, event: { type: request.event_type as 'm.room.encrypted', sender: machine.userId.toString(), content } });
      }
    }
    await machine.markRequestAsSent(request.id, request.type, '{}');
  }
  return out;
}

let rustEventCounter = 0;

/** Megolm-encrypts a room event with the machine's session for `roomId` (share the key first). */
export async function rustEncryptRoomEvent(
  machine: RustSdk.OlmMachine,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
  opts: { eventId?: string; originServerTs?: number } = {},
): Promise<MegolmRoomEvent> {
  const encrypted = await machine.encryptRoomEvent(new RustSdk.RoomId(roomId), type, JSON.stringify(content));
  rustEventCounter += 1;
  return {
    event_id: opts.eventId ?? `$rust_${rustEventCounter}`,
    sender: machine.userId.toString(),
    origin_server_ts: opts.originServerTs ?? 1_700_000_000_000 + rustEventCounter,
    type: 'm.room.encrypted',
    room_id: roomId,
    content: JSON.parse(encrypted) as MegolmRoomEvent['content'],
  };
}

/**
 * Delivers to-device events to the machine as a sync would; returns what it made of them
 * (decrypted events carry `rawEvent`, the payload as if sent in clear).
 */
export async function rustReceiveToDevice(machine: RustSdk.OlmMachine, events: OlmToDeviceEvent[]): Promise<RustSdk.ProcessedToDeviceEvent[]> {
  return machine.receiveSyncChanges(JSON.stringify(events), new RustSdk.DeviceLists(), new Map(), new Set());
}

/** Decrypts a Megolm room event with the machine; returns the decrypted event's JSON and who sent it. */
export async function rustDecryptRoomEvent(machine: RustSdk.OlmMachine, event: MegolmRoomEvent): Promise<RustSdk.DecryptedRoomEvent> {
  const settings = new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted);
  return machine.decryptRoomEvent(JSON.stringify(event), new RustSdk.RoomId(event.room_id), settings);
}
