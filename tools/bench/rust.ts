/**
 * The few Rust SDK (matrix-sdk-crypto-wasm, a devDependency) calls the room-event bench
 * needs, playing the homeserver for OlmMachines that do no network I/O. Trimmed copies of
 * test/interop/rust.ts and rust-share.ts, so the bench does not depend on the tests.
 */
import * as RustSdk from '@matrix-org/matrix-sdk-crypto-wasm';
import type { DeviceKeys, KeysQueryResponse, MegolmRoomEvent, OlmToDeviceEvent, SignedCurve25519Key } from '../../src/testkit/index.js';

export { RustSdk };

let ready: Promise<void> | undefined;

/** An OlmMachine with an in-memory store. */
export async function rustDevice(userId: string, deviceId: string): Promise<RustSdk.OlmMachine> {
  ready ??= RustSdk.initAsync();
  await ready;
  return RustSdk.OlmMachine.initialize(new RustSdk.UserId(userId), new RustSdk.DeviceId(deviceId));
}

/** Answers the machine's pending `/keys/upload`; returns its device keys and one-time keys. */
export async function rustUpload(machine: RustSdk.OlmMachine): Promise<{ device_keys: DeviceKeys; one_time_keys: Record<string, SignedCurve25519Key> }> {
  const upload = (await machine.outgoingRequests()).find((r) => r.type === RustSdk.RequestType.KeysUpload) as RustSdk.KeysUploadRequest | undefined;
  if (!upload) throw new Error('the Rust machine has no pending keys upload');
  const body = JSON.parse(upload.body) as { device_keys: DeviceKeys; one_time_keys: Record<string, SignedCurve25519Key> };
  const counts = { signed_curve25519: Object.keys(body.one_time_keys ?? {}).length };
  await machine.markRequestAsSent(upload.id, RustSdk.RequestType.KeysUpload, JSON.stringify({ one_time_key_counts: counts }));
  return body;
}

/** Tracks the users of `response` and answers every pending `/keys/query` with it. */
export async function rustKeysQuery(machine: RustSdk.OlmMachine, response: KeysQueryResponse): Promise<void> {
  await machine.updateTrackedUsers(Object.keys(response.device_keys).map((u) => new RustSdk.UserId(u)));
  for (const request of await machine.outgoingRequests()) {
    if (request.type !== RustSdk.RequestType.KeysQuery) continue;
    await machine.markRequestAsSent(request.id!, request.type, JSON.stringify(response));
  }
}

/** Answers the machine's `/keys/claim` with these one-time keys (user → device → key id → key). */
export async function rustKeysClaim(machine: RustSdk.OlmMachine, keys: Record<string, Record<string, Record<string, SignedCurve25519Key>>>): Promise<void> {
  const claim = await machine.getMissingSessions(Object.keys(keys).map((u) => new RustSdk.UserId(u)));
  if (claim) await machine.markRequestAsSent(claim.id, claim.type, JSON.stringify({ one_time_keys: keys, failures: {} }));
}

/** Shares the room's Megolm session with every known device of `userIds`: the to-device events, by device ID. */
export async function rustShare(machine: RustSdk.OlmMachine, roomId: string, userIds: string[], settings: RustSdk.EncryptionSettings): Promise<Map<string, OlmToDeviceEvent>> {
  const requests = await machine.shareRoomKey(new RustSdk.RoomId(roomId), userIds.map((u) => new RustSdk.UserId(u)), settings);
  const out = new Map<string, OlmToDeviceEvent>();
  for (const request of requests) {
    const { messages } = JSON.parse(request.body) as { messages: Record<string, Record<string, OlmToDeviceEvent['content']>> };
    for (const devices of Object.values(messages)) {
      for (const [deviceId, content] of Object.entries(devices)) {
        out.set(deviceId, { type: 'm.room.encrypted', sender: machine.userId.toString(), content });
      }
    }
    await machine.markRequestAsSent(request.id, request.type, '{}');
  }
  return out;
}

/** Megolm-encrypts one room event with the machine's outbound session for the room. */
export async function rustEncrypt(machine: RustSdk.OlmMachine, roomId: RustSdk.RoomId, i: number, content: Record<string, unknown>): Promise<MegolmRoomEvent> {
  const encrypted = await machine.encryptRoomEvent(roomId, 'm.room.message', JSON.stringify(content));
  return {
    event_id: `$bench_${i.toString(36)}_aGVsbG8gd29ybGQ`,
    sender: machine.userId.toString(),
    origin_server_ts: 1_700_000_000_000 + i * 1000,
    type: 'm.room.encrypted',
    room_id: roomId.toString(),
    content: JSON.parse(encrypted) as MegolmRoomEvent['content'],
  };
}
