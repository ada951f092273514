/**
 * Our cross-signing identity against the Rust SDK, through the in-memory homeserver:
 * Rust (another user) sees our device cross-signed by its owner after our bootstrap; a
 * Rust OlmMachine as our own other device takes our private keys (the same seed format as
 * the `m.cross_signing.*` secrets) and reports our identity verified, and the signatures
 * we make with crossSignDevice / crossSignUser verify for it; keyledger takes the keys
 * a Rust device made (exportCrossSigningKeys) and signs its own device with them.
 */
import { strict as assert } from 'node:assert';
import { CrossSigningRefusedError, deviceTrust, openLedger, type Ledger } from '../../src/index.js';
import { InMemoryHomeserver } from '../helpers/homeserver.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice } from './rust.js';
import { rustDecryptRoomEvent } from './rust-share.js';
import type { MegolmRoomEvent } from '../../src/testkit/index.js';

const ME = '@me:example.org';
const RUST = '@rust:example.org';
const RUST_TYPES: Record<number, string> = {
  [RustSdk.RequestType.KeysUpload]: 'keys_upload',
  [RustSdk.RequestType.KeysQuery]: 'keys_query',
  [RustSdk.RequestType.KeysClaim]: 'keys_claim',
  [RustSdk.RequestType.ToDevice]: 'to_device',
  [RustSdk.RequestType.SignatureUpload]: 'signature_upload',
};

async function ledgerTurn(ledger: Ledger, server: InMemoryHomeserver, userId: string, deviceId: string): Promise<void> {
  await ledger.receiveSync(server.sync(userId, deviceId));
  for (let round = 0; round < 5 && ledger.outgoingRequests().length > 0; round++) {
    for (const request of ledger.outgoingRequests()) await ledger.markRequestAsSent(request.id, request.type, server.handle(userId, deviceId, request as never));
  }
}

async function rustSend(machine: RustSdk.OlmMachine, server: InMemoryHomeserver, requests: unknown[]): Promise<void> {
  const userId = machine.userId.toString();
  const deviceId = machine.deviceId.toString();
  for (const request of requests) {
    const r = request as { id?: string; type: RustSdk.RequestType; body: string; event_type?: string };
    const type = RUST_TYPES[r.type];
    if (type === undefined || r.id === undefined) continue;
    const response = server.handle(userId, deviceId, { type, body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
    await machine.markRequestAsSent(r.id, r.type, JSON.stringify(response));
  }
}

async function rustTurn(machine: RustSdk.OlmMachine, server: InMemoryHomeserver): Promise<void> {
  const sync = server.sync(machine.userId.toString(), machine.deviceId.toString());
  const lists = new RustSdk.DeviceLists(sync.device_lists.changed.map((u) => new RustSdk.UserId(u)), []);
  await machine.receiveSyncChanges(JSON.stringify(sync.to_device.events), lists, new Map(Object.entries(sync.device_one_time_keys_count)), new Set(sync.device_unused_fallback_key_types));
  await rustSend(machine, server, await machine.outgoingRequests());
}

/** The Rust machine makes its cross-signing identity; its three uploads go to the server. */
async function rustBootstrap(machine: RustSdk.OlmMachine, server: InMemoryHomeserver): Promise<void> {
  const userId = machine.userId.toString();
  const deviceId = machine.deviceId.toString();
  const requests = await machine.bootstrapCrossSigning(true);
  if (requests.uploadKeysRequest) await rustSend(machine, server, [requests.uploadKeysRequest]);
  server.handle(userId, deviceId, { type: 'device_signing_upload', body: JSON.parse(requests.uploadSigningKeysRequest.body) as Record<string, unknown> });
  const sigs = requests.uploadSignaturesRequest;
  server.handle(userId, deviceId, { type: 'signature_upload', body: JSON.parse(sigs.body) as Record<string, unknown> });
}

/** The private seed of a role, as the ledger holds it (internal: the secrets issue sends it by m.secret.send). */
function seedOf(ledger: Ledger, role: 'master' | 'self_signing' | 'user_signing'): string {
  return (ledger as unknown as { requests: { crossSigner: { seeds: { get(r: string): string | undefined } } } }).requests.crossSigner.seeds.get(role)!;
}

describe('interop: our cross-signing identity and the Rust SDK', function () {
  this.timeout(60_000);
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function ledgerOf(userId: string, deviceId: string): Promise<Ledger> {
    const dir = tempDir();
    const ledger = await openLedger({ path: dir.path, userId, deviceId, unencryptedVault: true });
    cleanup.push(() => dir.cleanup(), () => ledger.close());
    await ledger.updateTrackedUsers([userId]);
    return ledger;
  }
  async function rustOf(userId: string, deviceId: string, track: string[]): Promise<RustSdk.OlmMachine> {
    const machine = await createRustDevice(userId, deviceId);
    cleanup.push(() => machine.close());
    await machine.updateTrackedUsers(track.map((u) => new RustSdk.UserId(u)));
    return machine;
  }

  it('Rust, another user, sees our device cross-signed by its owner once our bootstrap is uploaded', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ledgerOf(ME, 'MEDEV');
    const rust = await rustOf(RUST, 'RUSTDEV', [ME]);
    for (let i = 0; i < 2; i++) {
      await ledgerTurn(ledger, server, ME, 'MEDEV');
      await rustTurn(rust, server);
    }
    const before = await rust.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
    assert.ok(before !== undefined);
    assert.equal(before.isCrossSignedByOwner(), false);
    const { keys } = await ledger.bootstrapCrossSigning();
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    await rustTurn(rust, server);
    const device = await rust.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
    assert.equal(device!.isCrossSignedByOwner(), true);
    const identity = await rust.getIdentity(new RustSdk.UserId(ME));
    assert.ok(identity instanceof RustSdk.OtherUserIdentity);
    const listed = JSON.parse((identity as RustSdk.OtherUserIdentity).masterKey) as { keys: Record<string, string> };
    assert.deepEqual(listed.keys, { [`ed25519:${keys.master}`]: keys.master });
    // Our own view once our next sync's query lists what we uploaded.
    assert.equal(ledger.crossSigningStatus().trusted, false);
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    assert.equal(ledger.crossSigningStatus().trusted, true);
  });

  it('Rust as our other device takes our private keys and trusts our identity; our crossSignDevice and crossSignUser signatures verify there', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ledgerOf(ME, 'MEDEV');
    await ledger.updateTrackedUsers([ME, RUST]);
    const ownRust = await rustOf(ME, 'RUSTDEV', [ME, RUST]);
    const other = await rustOf(RUST, 'RUSTDEV', [RUST]);
    for (let i = 0; i < 2; i++) {
      await ledgerTurn(ledger, server, ME, 'MEDEV');
      await rustTurn(ownRust, server);
      await rustTurn(other, server);
    }
    await rustBootstrap(other, server);
    await ledger.bootstrapCrossSigning();
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    await ledgerTurn(ledger, server, ME, 'MEDEV');

    // Our seeds, as secret sharing would send them, open in the Rust SDK (once it has queried our identity).
    await rustTurn(ownRust, server);
    const status = await ownRust.importCrossSigningKeys(seedOf(ledger, 'master'), seedOf(ledger, 'self_signing'), seedOf(ledger, 'user_signing'));
    assert.deepEqual([status.hasMaster, status.hasSelfSigning, status.hasUserSigning], [true, true, true]);
    await rustTurn(ownRust, server);
    const own = await ownRust.getIdentity(new RustSdk.UserId(ME));
    assert.ok(own instanceof RustSdk.OwnUserIdentity);
    assert.equal(own.isVerified(), true);
    const medev = await ownRust.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
    assert.equal(medev!.isCrossSignedByOwner(), true);
    assert.equal(medev!.isVerified(), true);

    // We sign the Rust device with our self-signing key.
    const rustDevice = await ownRust.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('RUSTDEV'));
    assert.equal(rustDevice!.isCrossSignedByOwner(), false);
    await ledger.crossSignDevice('RUSTDEV');
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    assert.deepEqual(deviceTrust(ledger.state(), ME, 'RUSTDEV').level, 'verified');
    await rustTurn(ownRust, server);
    assert.equal((await ownRust.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('RUSTDEV')))!.isCrossSignedByOwner(), true);

    // We sign the other Rust user's master key with our user-signing key: our own Rust device sees it verified.
    await rustTurn(ownRust, server);
    const before = await ownRust.getIdentity(new RustSdk.UserId(RUST));
    assert.ok(before instanceof RustSdk.OtherUserIdentity);
    assert.equal(before.isVerified(), false);
    await ledger.crossSignUser(RUST);
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    await rustTurn(ownRust, server);
    const after = await ownRust.getIdentity(new RustSdk.UserId(RUST));
    assert.equal((after as RustSdk.OtherUserIdentity).isVerified(), true);
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    assert.ok((await ledger.decisions()).some((d) => d.code === 'cross_signing.user_signed' && d.subject === `user ${RUST}`));
  });

  it('keyledger takes the keys a Rust device of ours made (exportCrossSigningKeys), refuses another user\'s, and its signature of its own device verifies in Rust', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ledgerOf(ME, 'MEDEV');
    const ownRust = await rustOf(ME, 'RUSTDEV', [ME]);
    const stranger = await rustOf(RUST, 'RUSTDEV', [RUST]);
    for (let i = 0; i < 2; i++) {
      await ledgerTurn(ledger, server, ME, 'MEDEV');
      await rustTurn(ownRust, server);
      await rustTurn(stranger, server);
    }
    await rustBootstrap(ownRust, server);
    await rustBootstrap(stranger, server);
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    assert.equal(deviceTrust(ledger.state(), ME, 'RUSTDEV').level, 'cross_signed_tofu');

    const theirs = (await stranger.exportCrossSigningKeys())!;
    await assert.rejects(ledger.importCrossSigningKeys({ master: theirs.masterKey! }, 'secret_send'), (e: unknown) =>
      e instanceof CrossSigningRefusedError && e.reason === 'own_cross_signing.import_mismatch');
    const exported = (await ownRust.exportCrossSigningKeys())!;
    await ledger.importCrossSigningKeys({ master: exported.masterKey!, selfSigning: exported.self_signing_key!, userSigning: exported.userSigningKey! }, 'secret_send');
    const status = ledger.crossSigningStatus();
    assert.equal(status.trusted, true);
    assert.deepEqual(status.privateKeys, { master: true, selfSigning: true, userSigning: true });
    assert.equal(deviceTrust(ledger.state(), ME, 'RUSTDEV').level, 'verified');

    await ledger.crossSignDevice('MEDEV');
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    await rustTurn(ownRust, server);
    const medev = await ownRust.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
    assert.equal(medev!.isCrossSignedByOwner(), true);
    assert.equal(medev!.isVerified(), true);
  });

  it('room_message: an in-room verification request sent with sendRoomMessage in an encrypted room is decrypted by Rust, and its event ID is logged', async () => {
    const ROOM = '!room:example.org';
    const server = new InMemoryHomeserver();
    const ledger = await ledgerOf(ME, 'MEDEV');
    await ledger.updateTrackedUsers([ME, RUST]);
    const rust = await rustOf(RUST, 'RUSTDEV', [ME]);
    for (let i = 0; i < 3; i++) {
      await rustTurn(rust, server);
      await ledgerTurn(ledger, server, ME, 'MEDEV');
    }
    await ledger.shareRoomKey(ROOM, [ME, RUST]);
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    await rustTurn(rust, server);
    const content = { msgtype: 'm.key.verification.request', body: 'verify me', from_device: 'MEDEV', methods: ['m.sas.v1'], to: RUST };
    const request = await ledger.sendRoomMessage(ROOM, 'm.room.message', content);
    assert.equal(request.type, 'room_message');
    assert.equal((request as { event_type: string }).event_type, 'm.room.encrypted');
    assert.match(request.path, /^\/_matrix\/client\/v3\/rooms\/!room%3Aexample\.org\/send\/m\.room\.encrypted\/[^/]+$/);
    await ledgerTurn(ledger, server, ME, 'MEDEV');
    const [event] = server.rooms.get(ROOM)!;
    const read = await rustDecryptRoomEvent(rust, event as unknown as MegolmRoomEvent);
    assert.deepEqual(JSON.parse(read.event).content, content);
    assert.equal(read.senderDevice?.toString(), 'MEDEV');
    const sent = await ledger.decisions({ code: 'room_message.sent' });
    assert.deepEqual(sent.map((d) => d.detail?.event_id), [event!.event_id]);
  });
});
