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
  [RustSdk.RequestType.SignatureUpload]: 'signature_upload',
};

export interface Peers {
  server: InMemoryHomeserver;
  ledger: Ledger;
  machine: RustSdk.OlmMachine;
  /** Every Rust device of the user (the first is `machine`). */
  machines: RustSdk.OlmMachine[];
  /** Received ledger sync → every outgoing request sent through the server. */
  ledgerTurn(): Promise<void>;
  /** The Rust machines' syncs and requests. */
  rustTurn(): Promise<void>;
  /** Gives the Rust machine a cross-signing identity on the server (master, self-signing, user-signing keys). */
  rustBootstrap(): Promise<void>;
  /** Sends one request the Rust SDK returned (a verification message) and marks it sent. */
  sendRust(request: unknown, machine?: RustSdk.OlmMachine): Promise<void>;
  close(): Promise<void>;
}

/** Both sides set up, each knowing the other's device keys. */
/** `rustUser` ME gives Rust devices of our own user (self-verification). */
export async function verificationPeers(rustDevices: readonly string[] = [RUSTDEV], rustUser: string = RUST): Promise<Peers> {
  const dir = tempDir();
  const server = new InMemoryHomeserver();
  const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: MEDEV, unencryptedVault: true });
  const machines = await Promise.all(rustDevices.map((d) => createRustDevice(rustUser, d)));
  const machine = machines[0]!;
  const ledgerTurn = async () => {
    await ledger.receiveSync(server.sync(ME, MEDEV));
    for (const request of ledger.outgoingRequests()) {
      const response = server.handle(ME, MEDEV, request as never);
      await ledger.markRequestAsSent(request.id, request.type, response);
    }
  };
  const rustTurnOf = async (m: RustSdk.OlmMachine) => {
    const deviceId = m.deviceId.toString();
    const sync = server.sync(rustUser, deviceId);
    const lists = new RustSdk.DeviceLists(sync.device_lists.changed.map((u) => new RustSdk.UserId(u)), []);
    await m.receiveSyncChanges(JSON.stringify(sync.to_device.events), lists, new Map(Object.entries(sync.device_one_time_keys_count)), new Set(sync.device_unused_fallback_key_types));
    for (const request of await m.outgoingRequests()) {
      const r = request as { id: string; type: RustSdk.RequestType; body: string; event_type?: string };
      const type = RUST_TYPES[r.type];
      if (type === undefined) continue;
      const response = server.handle(rustUser, deviceId, { type, body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
      await m.markRequestAsSent(r.id, r.type, JSON.stringify(response));
    }
  };
  const rustTurn = async () => {
    for (const m of machines) await rustTurnOf(m);
  };
  const sendRust = async (request: unknown, m: RustSdk.OlmMachine = machine) => {
    const r = request as { id: string; type: RustSdk.RequestType; body: string; event_type: string };
    server.handle(rustUser, m.deviceId.toString(), { type: 'to_device', body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
    await m.markRequestAsSent(r.id, RustSdk.RequestType.ToDevice, '{}');
  };
  await ledger.updateTrackedUsers([rustUser]);
  for (const m of machines) await m.updateTrackedUsers([new RustSdk.UserId(ME)]);
  for (let i = 0; i < 3; i++) {
    await rustTurn();
    await ledgerTurn();
  }
  return {
    server, ledger, machine, machines, ledgerTurn, rustTurn, sendRust,
    rustBootstrap: async () => {
      const requests = await machine.bootstrapCrossSigning(true);
      const upload = requests.uploadKeysRequest as { id: string; body: string } | undefined;
      if (upload) {
        const response = server.handle(rustUser, machine.deviceId.toString(), { type: 'keys_upload', body: JSON.parse(upload.body) as Record<string, unknown> });
        await machine.markRequestAsSent(upload.id, RustSdk.RequestType.KeysUpload, JSON.stringify(response));
      }
      server.handle(rustUser, machine.deviceId.toString(), { type: 'device_signing_upload', body: JSON.parse(requests.uploadSigningKeysRequest.body) as Record<string, unknown> });
      const signatures = requests.uploadSignaturesRequest;
      server.handle(rustUser, machine.deviceId.toString(), { type: 'signature_upload', body: JSON.parse(signatures.body) as Record<string, unknown> });
    },
    close: async () => {
      for (const m of machines) m.close();
      await ledger.close();
    },
  };
}

/** We request verification of Rust's device; Rust has received the request. */
export async function requestToRust(peers: Peers): Promise<{ id: string; request: RustSdk.VerificationRequest }> {
  const { id } = await peers.ledger.requestVerification(RUST, RUSTDEV);
  await peers.ledgerTurn();
  await peers.rustTurn();
  return { id, request: peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)! };
}

/** We request, Rust accepts, we start, Rust accepts the start, keys cross: the SAS on both sides. */
export async function toSas(peers: Peers): Promise<{ id: string; sas: RustSdk.Sas }> {
  const { id, request } = await requestToRust(peers);
  await peers.sendRust(request.accept());
  await peers.ledgerTurn();
  await peers.ledger.startSas(id);
  await peers.ledgerTurn();
  await peers.rustTurn();
  const sas = peers.machine.getVerification(new RustSdk.UserId(ME), id) as RustSdk.Sas;
  await peers.sendRust(sas.accept());
  await peers.ledgerTurn();
  await peers.rustTurn();
  await peers.ledgerTurn();
  return { id, sas };
}
