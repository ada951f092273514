/**
 * A keyledger ledger and a Rust OlmMachine that know each other's devices through the
 * in-memory homeserver, each with its client loop, for the verification interop tests.
 */
import { openLedger, type Ledger } from '../../src/index.js';
import { InMemoryHomeserver } from '../helpers/homeserver.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice } from './rust.js';

export const ME = '@me:example.org';
export const MEDEV = 'MEDEV';
export const RUST = '@rust:example.org';
export const RUSTDEV = 'RUSTDEV';

const RUST_TYPES: Record<number, string> = {
  [RustSdk.RequestType.KeysUpload]: 'keys_upload',
  [RustSdk.RequestType.KeysQuery]: 'keys_query',
  [RustSdk.RequestType.KeysClaim]: 'keys_claim',
  [RustSdk.RequestType.ToDevice]: 'to_device',
};

export interface Peers {
  server: InMemoryHomeserver;
  ledger: Ledger;
  machine: RustSdk.OlmMachine;
  /** Received ledger sync → every outgoing request sent through the server. */
  ledgerTurn(): Promise<void>;
  /** The Rust machine's sync and requests. */
  rustTurn(): Promise<void>;
  /** Sends one request the Rust SDK returned (a verification message) and marks it sent. */
  sendRust(request: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Both sides set up, each knowing the other's device keys. */
export async function verificationPeers(): Promise<Peers> {
  const dir = tempDir();
  const server = new InMemoryHomeserver();
  const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: MEDEV, unencryptedVault: true });
  const machine = await createRustDevice(RUST, RUSTDEV);
  const ledgerTurn = async () => {
    await ledger.receiveSync(server.sync(ME, MEDEV));
    for (const request of ledger.outgoingRequests()) {
      const response = server.handle(ME, MEDEV, request as never);
      await ledger.markRequestAsSent(request.id, request.type, response);
    }
  };
  const rustTurn = async () => {
    const sync = server.sync(RUST, RUSTDEV);
    const lists = new RustSdk.DeviceLists(sync.device_lists.changed.map((u) => new RustSdk.UserId(u)), []);
    await machine.receiveSyncChanges(JSON.stringify(sync.to_device.events), lists, new Map(Object.entries(sync.device_one_time_keys_count)), new Set(sync.device_unused_fallback_key_types));
    for (const request of await machine.outgoingRequests()) {
      const r = request as { id: string; type: RustSdk.RequestType; body: string; event_type?: string };
      const type = RUST_TYPES[r.type];
      if (type === undefined) continue;
      const response = server.handle(RUST, RUSTDEV, { type, body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
      await machine.markRequestAsSent(r.id, r.type, JSON.stringify(response));
    }
  };
  const sendRust = async (request: unknown) => {
    const r = request as { id: string; type: RustSdk.RequestType; body: string; event_type: string };
    server.handle(RUST, RUSTDEV, { type: 'to_device', body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
    await machine.markRequestAsSent(r.id, RustSdk.RequestType.ToDevice, '{}');
  };
  await ledger.updateTrackedUsers([RUST]);
  await machine.updateTrackedUsers([new RustSdk.UserId(ME)]);
  for (let i = 0; i < 3; i++) {
    await rustTurn();
    await ledgerTurn();
  }
  return {
    server, ledger, machine, ledgerTurn, rustTurn, sendRust,
    close: async () => {
      machine.close();
      await ledger.close();
    },
  };
}
