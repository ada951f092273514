/**
 * Helpers around @matrix-org/matrix-sdk-crypto-wasm (the Rust SDK's crypto): a real
 * Matrix client device whose keys and cross-signing identity we capture as wire JSON.
 * The OlmMachine does no network I/O: it hands us "outgoing requests" and we answer them
 * with `markRequestAsSent`, playing the homeserver.
 */
import * as RustSdk from '@matrix-org/matrix-sdk-crypto-wasm';
import type { CrossSigningKey, DeviceKeys, KeysQueryResponse, SignedCurve25519Key } from '../../src/testkit/index.js';

export { RustSdk };

let ready: Promise<void> | undefined;

/** Loads the WebAssembly module once (Node would otherwise load it synchronously on first use). */
export function initRust(): Promise<void> {
  ready ??= RustSdk.initAsync();
  return ready;
}

/** Creates an OlmMachine with an in-memory store (no store name given). Close it with `machine.close()`. */
export async function createRustDevice(userId: string, deviceId: string): Promise<RustSdk.OlmMachine> {
  await initRust();
  return RustSdk.OlmMachine.initialize(new RustSdk.UserId(userId), new RustSdk.DeviceId(deviceId));
}

/** The body of a `/keys/upload` request as the Rust SDK sends it. */
export interface KeysUploadBody {
  device_keys?: DeviceKeys;
  one_time_keys?: Record<string, SignedCurve25519Key>;
  fallback_keys?: Record<string, SignedCurve25519Key>;
}

/** Device keys each machine uploaded, so cross-signing can merge its SSK signature into them later. */
const uploadedDeviceKeys = new WeakMap<RustSdk.OlmMachine, DeviceKeys>();

/** Answers a KeysUpload request the way a homeserver would and remembers the device keys. */
async function answerKeysUpload(machine: RustSdk.OlmMachine, request: { id: string; body: string }): Promise<KeysUploadBody> {
  const body = JSON.parse(request.body) as KeysUploadBody;
  if (body.device_keys) uploadedDeviceKeys.set(machine, body.device_keys);
  const count = Object.keys(body.one_time_keys ?? {}).length;
  await machine.markRequestAsSent(request.id, RustSdk.RequestType.KeysUpload, JSON.stringify({ one_time_key_counts: { signed_curve25519: count } }));
  return body;
}

/**
 * Runs the machine's pending `/keys/upload` (device keys, one-time keys, fallback key) and
 * returns its parsed body, or undefined if nothing was pending.
 */
export async function rustKeysUpload(machine: RustSdk.OlmMachine): Promise<KeysUploadBody | undefined> {
  const requests = await machine.outgoingRequests();
  const upload = requests.find((r) => r.type === RustSdk.RequestType.KeysUpload) as RustSdk.KeysUploadRequest | undefined;
  return upload ? answerKeysUpload(machine, upload) : undefined;
}

/** A Rust device's public identity as a `/keys/query` would list it. */
export interface RustIdentity {
  userId: string;
  deviceId: string;
  /** Self-signed; after cross-signing also signed by the self-signing key. */
  deviceKeys: DeviceKeys;
  /** Signed by the master key itself and by the device. */
  masterKey?: CrossSigningKey;
  selfSigningKey?: CrossSigningKey;
  userSigningKey?: CrossSigningKey;
}

/**
 * Makes the machine create a new cross-signing identity (`bootstrapCrossSigning(true)`)
 * and captures the uploads: the three cross-signing keys and the device keys with the
 * self-signing key's signature merged into the device's own (a server does the same merge).
 */
export async function rustBootstrapCrossSigning(machine: RustSdk.OlmMachine): Promise<RustIdentity> {
  const requests = await machine.bootstrapCrossSigning(true);
  if (requests.uploadKeysRequest) await answerKeysUpload(machine, requests.uploadKeysRequest as RustSdk.KeysUploadRequest);
  const deviceKeys = uploadedDeviceKeys.get(machine);
  if (!deviceKeys) throw new Error('device keys were never uploaded; call rustKeysUpload first');
  const signingKeys = JSON.parse(requests.uploadSigningKeysRequest.body) as {
    master_key: CrossSigningKey;
    self_signing_key: CrossSigningKey;
    user_signing_key: CrossSigningKey;
  };
  // Signature upload body: { user: { device_id | key id: object carrying the new signatures } }.
  const uploaded = JSON.parse(requests.uploadSignaturesRequest.body) as Record<string, Record<string, { signatures?: Record<string, Record<string, string>> }>>;
  const userId = machine.userId.toString();
  const deviceId = machine.deviceId.toString();
  const merged = mergeSignatures(deviceKeys, uploaded[userId]?.[deviceId]?.signatures ?? {});
  uploadedDeviceKeys.set(machine, merged);
  return {
    userId,
    deviceId,
    deviceKeys: merged,
    masterKey: signingKeys.master_key,
    selfSigningKey: signingKeys.self_signing_key,
    userSigningKey: signingKeys.user_signing_key,
  };
}

/** The machine's identity without cross-signing: its uploaded, self-signed device keys. */
export function rustDeviceIdentity(machine: RustSdk.OlmMachine): RustIdentity {
  const deviceKeys = uploadedDeviceKeys.get(machine);
  if (!deviceKeys) throw new Error('device keys were never uploaded; call rustKeysUpload first');
  return { userId: machine.userId.toString(), deviceId: machine.deviceId.toString(), deviceKeys: structuredClone(deviceKeys) };
}

/**
 * A `/keys/query` response body listing Rust identities (real data from the Rust SDK), to
 * feed the engine. The user-signing key is listed only when asked (a server shows it to its owner only).
 */
export function rustKeysQueryResponse(identities: RustIdentity[], opts: { includeUserSigningKey?: boolean } = {}): KeysQueryResponse {
  const response: KeysQueryResponse = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} };
  for (const id of identities) {
    (response.device_keys[id.userId] ??= {})[id.deviceId] = structuredClone(id.deviceKeys);
    if (id.masterKey) response.master_keys[id.userId] = structuredClone(id.masterKey);
    if (id.selfSigningKey) response.self_signing_keys[id.userId] = structuredClone(id.selfSigningKey);
    if (id.userSigningKey && opts.includeUserSigningKey) response.user_signing_keys[id.userId] = structuredClone(id.userSigningKey);
  }
  return response;
}

function mergeSignatures<T extends { signatures?: Record<string, Record<string, string>> }>(obj: T, extra: Record<string, Record<string, string>>): T {
  const copy = structuredClone(obj);
  const signatures = (copy.signatures ??= {});
  for (const [user, sigs] of Object.entries(extra)) signatures[user] = { ...signatures[user], ...sigs };
  return copy;
}
