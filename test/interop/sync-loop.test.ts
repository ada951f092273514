/**
 * The README's client loop, run: keyledger and a Rust OlmMachine each run their own sync
 * loop against one in-memory homeserver (upload, query, claim, to-device). Nothing is
 * handed between them by the test except through the server.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger, type ToDeviceResult } from '../../src/index.js';
import { InMemoryHomeserver } from '../helpers/homeserver.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice } from './rust.js';

const ME = '@me:example.org';
const RUST = '@rust:example.org';
const RUST_TYPES: Record<number, string> = {
  [RustSdk.RequestType.KeysUpload]: 'keys_upload',
  [RustSdk.RequestType.KeysQuery]: 'keys_query',
  [RustSdk.RequestType.KeysClaim]: 'keys_claim',
  [RustSdk.RequestType.ToDevice]: 'to_device',
};

/** One turn of keyledger's loop, as the README shows it: sync, then send every request. */
async function ledgerTurn(ledger: Ledger, server: InMemoryHomeserver): Promise<ToDeviceResult[]> {
  const { toDeviceEvents } = await ledger.receiveSync(server.sync(ME, 'MEDEV'));
  for (const request of ledger.outgoingRequests()) {
    const response = server.handle(ME, 'MEDEV', request as never);
    await ledger.markRequestAsSent(request.id, request.type, response);
  }
  return toDeviceEvents;
}

/** One turn of the Rust SDK's loop. */
async function rustTurn(machine: RustSdk.OlmMachine, server: InMemoryHomeserver): Promise<RustSdk.ProcessedToDeviceEvent[]> {
  const sync = server.sync(RUST, 'RUSTDEV');
  const lists = new RustSdk.DeviceLists(sync.device_lists.changed.map((u) => new RustSdk.UserId(u)), []);
  const processed = await machine.receiveSyncChanges(
    JSON.stringify(sync.to_device.events), lists, new Map(Object.entries(sync.device_one_time_keys_count)), new Set(sync.device_unused_fallback_key_types),
  );
  for (const request of await machine.outgoingRequests()) {
    const r = request as { id: string; type: RustSdk.RequestType; body: string; event_type?: string };
    const type = RUST_TYPES[r.type];
    if (type === undefined) continue;
    const response = server.handle(RUST, 'RUSTDEV', { type, body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
    await machine.markRequestAsSent(r.id, r.type, JSON.stringify(response));
  }
  return processed;
}

describe('interop: keyledger\'s sync loop and the Rust SDK\'s, through one in-memory homeserver', function () {
  this.timeout(60_000);

  it('uploads, queries, claims and exchanges custom to-device events both ways', async () => {
    const dir = tempDir();
    const server = new InMemoryHomeserver();
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    const machine = await createRustDevice(RUST, 'RUSTDEV');
    try {
      await ledger.updateTrackedUsers([RUST]);
      await machine.updateTrackedUsers([new RustSdk.UserId(ME)]);
      for (let i = 0; i < 3; i++) {
        await rustTurn(machine, server);
        await ledgerTurn(ledger, server);
      }
      assert.deepEqual(ledger.outgoingRequests(), [], 'every request was sent and answered');
      // keyledger → Rust: claim through the server, encrypt, send with the loop.
      const claim = await ledger.getMissingSessions([RUST]);
      assert.ok(claim, 'Rust\'s device was listed by the server');
      const sent = await ledger.encryptToDevice(RUST, 'RUSTDEV', 'org.example.custom', { hello: 'rust' });
      assert.equal(sent.request, null, 'no session before the claim is answered');
      await ledgerTurn(ledger, server);
      const again = await ledger.encryptToDevice(RUST, 'RUSTDEV', 'org.example.custom', { hello: 'rust' });
      assert.ok(again.request);
      await ledgerTurn(ledger, server);
      const processed = await rustTurn(machine, server);
      const decrypted = processed.filter((p) => p.type === RustSdk.ProcessedToDeviceEventType.Decrypted) as RustSdk.DecryptedToDeviceEvent[];
      assert.deepEqual(decrypted.map((d) => (JSON.parse(d.rawEvent) as { type: string }).type), ['org.example.custom']);
      assert.equal(decrypted[0]!.encryptionInfo.senderDevice?.toString(), 'MEDEV');
      // Rust → keyledger, through the server.
      const device = await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
      const content = JSON.parse(await device!.encryptToDeviceEvent('org.example.reply', { n: 1 })) as Record<string, unknown>;
      server.handle(RUST, 'RUSTDEV', { type: 'to_device', event_type: 'm.room.encrypted', body: { messages: { [ME]: { MEDEV: content } } } });
      const got = await ledgerTurn(ledger, server);
      assert.deepEqual(got.map((e) => e.status === 'decrypted' && [e.type, e.content, e.senderDevice]), [['org.example.reply', { n: 1 }, { userId: RUST, deviceId: 'RUSTDEV', via: 'keys_query' }]]);
    } finally {
      machine.close();
      await ledger.close();
      dir.cleanup();
    }
  });
});
