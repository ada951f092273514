/**
 * Gossip against the Rust SDK: a Rust OlmMachine as our own other device (same user,
 * another device), through the in-memory homeserver. Rust answers our secret request only
 * once it has verified our device (its local trust), and the private cross-signing key it
 * sends is imported here as ours; our engine answers Rust's room key request only once
 * we have verified Rust's device, with an `m.forwarded_room_key` Rust takes and decrypts with.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Decision, type Ledger } from '../../src/index.js';
import { InMemoryHomeserver } from '../helpers/homeserver.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice } from './rust.js';

const ME = '@me:example.org';
const ROOM = '!room:example.org';
const RUST_TYPES: Record<number, string> = {
  [RustSdk.RequestType.KeysUpload]: 'keys_upload',
  [RustSdk.RequestType.KeysQuery]: 'keys_query',
  [RustSdk.RequestType.KeysClaim]: 'keys_claim',
  [RustSdk.RequestType.ToDevice]: 'to_device',
  [RustSdk.RequestType.SignatureUpload]: 'signature_upload',
};

async function ledgerSend(ledger: Ledger, server: InMemoryHomeserver, deviceId: string): Promise<void> {
  for (let round = 0; round < 5 && ledger.outgoingRequests().length > 0; round++) {
    for (const request of ledger.outgoingRequests()) await ledger.markRequestAsSent(request.id, request.type, server.handle(ME, deviceId, request as never));
  }
}

async function ledgerTurn(ledger: Ledger, server: InMemoryHomeserver, deviceId: string): Promise<Decision[]> {
  const r = await ledger.receiveSync(server.sync(ME, deviceId));
  await ledgerSend(ledger, server, deviceId);
  return r.decisions;
}

/** Sends the machine's requests; returns the to-device event types it sent. */
async function rustSend(machine: RustSdk.OlmMachine, server: InMemoryHomeserver, requests: unknown[]): Promise<string[]> {
  const sent: string[] = [];
  for (const request of requests) {
    const r = request as { id?: string; type: RustSdk.RequestType; body: string; event_type?: string };
    const type = RUST_TYPES[r.type];
    if (type === undefined || r.id === undefined) continue;
    if (type === 'to_device') sent.push(r.event_type!);
    const response = server.handle(ME, machine.deviceId.toString(), { type, body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
    await machine.markRequestAsSent(r.id, r.type, JSON.stringify(response));
  }
  return sent;
}

async function rustTurn(machine: RustSdk.OlmMachine, server: InMemoryHomeserver): Promise<string[]> {
  const sync = server.sync(ME, machine.deviceId.toString());
  const lists = new RustSdk.DeviceLists(sync.device_lists.changed.map((u) => new RustSdk.UserId(u)), []);
  await machine.receiveSyncChanges(JSON.stringify(sync.to_device.events), lists, new Map(Object.entries(sync.device_one_time_keys_count)), new Set(sync.device_unused_fallback_key_types));
  return rustSend(machine, server, await machine.outgoingRequests());
}

/** The machine makes our user's cross-signing identity; its uploads go to the server. */
async function rustBootstrap(machine: RustSdk.OlmMachine, server: InMemoryHomeserver): Promise<void> {
  const deviceId = machine.deviceId.toString();
  const requests = await machine.bootstrapCrossSigning(true);
  if (requests.uploadKeysRequest) await rustSend(machine, server, [requests.uploadKeysRequest]);
  server.handle(ME, deviceId, { type: 'device_signing_upload', body: JSON.parse(requests.uploadSigningKeysRequest.body) as Record<string, unknown> });
  server.handle(ME, deviceId, { type: 'signature_upload', body: JSON.parse(requests.uploadSignaturesRequest.body) as Record<string, unknown> });
}

const codes = (ds: readonly Decision[]) => ds.map((d) => d.code);

describe('interop: gossip with a Rust OlmMachine as our other device', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let machine: RustSdk.OlmMachine;
  const server = new InMemoryHomeserver();

  before(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'LEDGER', unencryptedVault: true });
    machine = await createRustDevice(ME, 'RUSTDEV');
    machine.roomKeyRequestsEnabled = true;
    machine.roomKeyForwardingEnabled = true;
    await ledger.updateTrackedUsers([ME]);
    await ledgerTurn(ledger, server, 'LEDGER');
    await rustSend(machine, server, await machine.outgoingRequests());
    await machine.updateTrackedUsers([new RustSdk.UserId(ME)]);
    for (let i = 0; i < 2; i++) {
      await rustTurn(machine, server);
      await ledgerTurn(ledger, server, 'LEDGER');
    }
    // An Olm session each way: we claim Rust's key and send it an m.dummy it decrypts.
    const claim = await ledger.getMissingSessions([ME]);
    assert.ok(claim, 'a claim for the Rust device');
    await ledgerSend(ledger, server, 'LEDGER');
    await ledger.encryptToDevice(ME, 'RUSTDEV', 'm.dummy', {});
    await ledgerSend(ledger, server, 'LEDGER');
    await rustTurn(machine, server);
    // Rust makes our user's identity (it sends key requests only once its own device is cross-signed).
    await rustBootstrap(machine, server);
    await ledgerTurn(ledger, server, 'LEDGER');
    await ledgerTurn(ledger, server, 'LEDGER');
  });
  after(async () => {
    machine.close();
    await ledger.close();
    dir.cleanup();
  });

  /** A Megolm event of a new session of ours that Rust does not hold. */
  async function newEvent(n: number) {
    await ledger.discardRoomKey(ROOM);
    await ledger.shareRoomKey(ROOM, []);
    const content = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { body: `message ${n}` });
    return { event_id: `$e${n}`, sender: ME, origin_server_ts: 1_700_000_000_000 + n, type: 'm.room.encrypted', room_id: ROOM, content };
  }

  const rustDecrypt = (event: object) => rustDecryptWith(machine, event);
  async function rustDecryptWith(m: RustSdk.OlmMachine, event: object): Promise<string | null> {
    try {
      const d = await m.decryptRoomEvent(JSON.stringify(event), new RustSdk.RoomId(ROOM), new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted));
      return (JSON.parse(d.event) as { content: { body: string } }).content.body;
    } catch {
      return null;
    }
  }

  it('Rust answers our secret request only after it verified our device; the self-signing key it sends is imported as ours', async () => {
    const rustEd25519 = machine.identityKeys.ed25519.toBase64();
    await ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'RUSTDEV', ed25519: rustEd25519 });
    assert.equal(ledger.crossSigningStatus().privateKeys.selfSigning, false);

    const first = await ledger.requestSecret('m.cross_signing.self_signing');
    assert.deepEqual(codes(first.decisions), ['secret_request.requested']);
    await ledgerSend(ledger, server, 'LEDGER');
    const unverifiedAnswer = await rustTurn(machine, server);
    assert.ok(!unverifiedAnswer.includes('m.room.encrypted'), 'Rust does not answer a device it has not verified');
    assert.deepEqual(codes(await ledgerTurn(ledger, server, 'LEDGER')).filter((c) => c.startsWith('secret_send.')), []);

    const us = await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('LEDGER'));
    await us!.setLocalTrust(RustSdk.LocalTrust.Verified);
    const second = await ledger.requestSecret('m.cross_signing.self_signing');
    await ledgerSend(ledger, server, 'LEDGER');
    const answer = await rustTurn(machine, server);
    assert.ok(answer.includes('m.room.encrypted'), `Rust sent ${answer.join(', ')}`);
    const decided = await ledgerTurn(ledger, server, 'LEDGER');
    const accepted = decided.find((d) => d.code === 'secret_send.accepted');
    assert.ok(accepted, codes(decided).join(' '));
    assert.equal(accepted.detail?.['request_id'], second.requestId);
    const status = ledger.crossSigningStatus();
    assert.equal(status.privateKeys.selfSigning, true);
    assert.equal(status.held?.source, 'secret_send');
  });

  it('a Rust device of ours we have not verified: its room key request is refused (key_request.unverified_device, m.room_key.withheld m.unverified)', async () => {
    // Another Rust device of our user, which trusts ours (Rust asks only devices it trusts) but which we never verified.
    const tablet = await createRustDevice(ME, 'RUSTTAB');
    try {
      tablet.roomKeyRequestsEnabled = true;
      await rustSend(tablet, server, await tablet.outgoingRequests());
      await tablet.updateTrackedUsers([new RustSdk.UserId(ME)]);
      for (let i = 0; i < 2; i++) {
        await rustTurn(tablet, server);
        await ledgerTurn(ledger, server, 'LEDGER');
      }
      const us = await tablet.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('LEDGER'));
      await us!.setLocalTrust(RustSdk.LocalTrust.Verified);
      const event = await newEvent(1);
      assert.equal(await rustDecryptWith(tablet, event), null);
      const sent = await rustSend(tablet, server, await tablet.outgoingRequests());
      assert.ok(sent.includes('m.room_key_request'), `Rust sent ${sent.join(', ')}`);
      const decided = await ledgerTurn(ledger, server, 'LEDGER');
      assert.deepEqual(codes(decided).filter((c) => c.startsWith('key_request.')), ['key_request.unverified_device']);
      const back = server.sync(ME, 'RUSTTAB').to_device.events as { type: string; content: { code?: string } }[];
      assert.deepEqual(back.filter((e) => e.type === 'm.room_key.withheld').map((e) => e.content.code), ['m.unverified']);
      assert.equal(await rustDecryptWith(tablet, event), null);
    } finally {
      tablet.close();
    }
  });

  it('once Rust\'s device is verified here, its key request is answered with an m.forwarded_room_key it decrypts with', async () => {
    const event = await newEvent(2);
    assert.equal(await rustDecrypt(event), null);
    await rustSend(machine, server, await machine.outgoingRequests());
    const decided = await ledgerTurn(ledger, server, 'LEDGER');
    assert.deepEqual(codes(decided).filter((c) => c.startsWith('key_request.')), ['key_request.shared']);
    await rustTurn(machine, server);
    assert.equal(await rustDecrypt(event), 'message 2');
  });
});
