/**
 * keyledger and a Rust OlmMachine converse in a room through one in-memory homeserver:
 * keyledger shares its room key (claiming one-time keys first) and Rust decrypts its event,
 * naming keyledger's device as the sender; Rust shares its own and keyledger decrypts
 * Rust's reply; keyledger reads its own message too. Two ledgers do the same.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../src/index.js';
import type { MegolmRoomEvent } from '../../src/testkit/index.js';
import { InMemoryHomeserver } from '../helpers/homeserver.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice } from './rust.js';
import { rustDecryptRoomEvent, rustEncryptRoomEvent } from './rust-share.js';

const ME = '@me:example.org';
const RUST = '@rust:example.org';
const ROOM = '!room:example.org';
const RUST_TYPES: Record<number, string> = {
  [RustSdk.RequestType.KeysUpload]: 'keys_upload',
  [RustSdk.RequestType.KeysQuery]: 'keys_query',
  [RustSdk.RequestType.KeysClaim]: 'keys_claim',
  [RustSdk.RequestType.ToDevice]: 'to_device',
};

/** keyledger's loop, until nothing is pending: sync, then send every request and mark it sent. */
async function ledgerTurn(ledger: Ledger, server: InMemoryHomeserver, userId = ME, deviceId = 'MEDEV') {
  const { toDeviceEvents } = await ledger.receiveSync(server.sync(userId, deviceId));
  for (let round = 0; round < 5 && ledger.outgoingRequests().length > 0; round++) {
    for (const request of ledger.outgoingRequests()) {
      await ledger.markRequestAsSent(request.id, request.type, server.handle(userId, deviceId, request as never));
    }
  }
  return toDeviceEvents;
}

/** The Rust SDK's loop. */
async function rustTurn(machine: RustSdk.OlmMachine, server: InMemoryHomeserver): Promise<void> {
  const sync = server.sync(RUST, 'RUSTDEV');
  const lists = new RustSdk.DeviceLists(sync.device_lists.changed.map((u) => new RustSdk.UserId(u)), []);
  await machine.receiveSyncChanges(JSON.stringify(sync.to_device.events), lists, new Map(Object.entries(sync.device_one_time_keys_count)), new Set(sync.device_unused_fallback_key_types));
  await sendRust(machine, server, await machine.outgoingRequests());
}

async function sendRust(machine: RustSdk.OlmMachine, server: InMemoryHomeserver, requests: unknown[]): Promise<void> {
  for (const request of requests) {
    const r = request as { id: string; type: RustSdk.RequestType; body: string; event_type?: string };
    const type = RUST_TYPES[r.type];
    if (type === undefined) continue;
    const response = server.handle(RUST, 'RUSTDEV', { type, body: JSON.parse(r.body) as Record<string, unknown>, event_type: r.event_type });
    await machine.markRequestAsSent(r.id, r.type, JSON.stringify(response));
  }
}

let counter = 0;
/** The timeline event our encrypted content becomes once sent. */
function sent(sender: string, content: object): MegolmRoomEvent {
  counter += 1;
  return { event_id: `$ours_${counter}`, sender, origin_server_ts: 1_700_000_000_000 + counter, type: 'm.room.encrypted', room_id: ROOM, content: content as MegolmRoomEvent['content'] };
}

describe('interop: a room conversation, keyledger ↔ Rust OlmMachine and keyledger ↔ keyledger', function () {
  this.timeout(60_000);
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function newLedger(userId: string, deviceId: string): Promise<Ledger> {
    const dir = tempDir();
    const ledger = await openLedger({ path: dir.path, userId, deviceId, unencryptedVault: true });
    cleanups.push(() => dir.cleanup(), () => ledger.close());
    return ledger;
  }

  it('keyledger shares its room key and Rust decrypts its event (sender device MEDEV); Rust replies and keyledger decrypts it', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await newLedger(ME, 'MEDEV');
    const machine = await createRustDevice(RUST, 'RUSTDEV');
    cleanups.push(() => machine.close());
    await ledger.updateTrackedUsers([RUST]);
    await machine.updateTrackedUsers([new RustSdk.UserId(ME)]);
    for (let i = 0; i < 3; i++) {
      await rustTurn(machine, server);
      await ledgerTurn(ledger, server);
    }
    // keyledger → Rust: one share claims a key, makes the Olm session, sends the room key.
    const share = await ledger.shareRoomKey(ROOM, [ME, RUST]);
    assert.deepEqual(share.decisions.map((d) => d.code), ['megolm_out.session_created', 'room_key_share.awaiting_session', 'room_key.own']);
    assert.deepEqual(share.requests.map((r) => r.type), ['keys_claim']);
    await ledgerTurn(ledger, server);
    const shared = await ledger.decisions({ code: 'room_key_share.shared' });
    assert.deepEqual(shared.map((d) => d.subject), [`device ${RUST} RUSTDEV`]);
    await rustTurn(machine, server);
    const content = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { msgtype: 'm.text', body: 'hello from keyledger' });
    assert.equal(content.algorithm, 'm.megolm.v1.aes-sha2');
    const event = sent(ME, content);
    const read = await rustDecryptRoomEvent(machine, event);
    assert.deepEqual(JSON.parse(read.event).content, { msgtype: 'm.text', body: 'hello from keyledger' });
    assert.equal(read.sender.toString(), ME);
    assert.equal(read.senderDevice?.toString(), 'MEDEV');
    // keyledger reads its own message.
    const own = await ledger.decryptRoomEvent(ROOM, event);
    assert.deepEqual(own.plaintext, { type: 'm.room.message', content: { msgtype: 'm.text', body: 'hello from keyledger' } });
    // Rust → keyledger.
    const claim = await machine.getMissingSessions([new RustSdk.UserId(ME)]);
    if (claim) await sendRust(machine, server, [claim]);
    await sendRust(machine, server, await machine.shareRoomKey(new RustSdk.RoomId(ROOM), [new RustSdk.UserId(ME), new RustSdk.UserId(RUST)], new RustSdk.EncryptionSettings()));
    await ledgerTurn(ledger, server);
    const reply = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { msgtype: 'm.text', body: 'hello from rust' });
    const got = await ledger.decryptRoomEvent(ROOM, reply);
    assert.deepEqual(got.plaintext, { type: 'm.room.message', content: { msgtype: 'm.text', body: 'hello from rust' } });
    assert.deepEqual(got.senderDevice, { userId: RUST, deviceId: 'RUSTDEV' });
    // The log says who could read keyledger's message, and the replay agrees with the live state.
    const encrypted = await ledger.decisions({ code: 'megolm_out.encrypted' });
    assert.equal(encrypted.length, 1);
    const replayed = await ledger.replay();
    assert.equal(ledger.stateHash(replayed.state), ledger.stateHash());
  });

  it('two ledgers: Alice shares and sends, Bob reads; Bob shares and replies, Alice reads', async () => {
    const server = new InMemoryHomeserver();
    const alice = await newLedger('@alice:example.org', 'ALICE');
    const bob = await newLedger('@bob:example.org', 'BOB');
    await alice.updateTrackedUsers(['@bob:example.org']);
    await bob.updateTrackedUsers(['@alice:example.org']);
    for (let i = 0; i < 3; i++) {
      await ledgerTurn(alice, server, '@alice:example.org', 'ALICE');
      await ledgerTurn(bob, server, '@bob:example.org', 'BOB');
    }
    const members = ['@alice:example.org', '@bob:example.org'];
    await alice.shareRoomKey(ROOM, members);
    await ledgerTurn(alice, server, '@alice:example.org', 'ALICE');
    await ledgerTurn(bob, server, '@bob:example.org', 'BOB');
    const hi = sent('@alice:example.org', await alice.encryptRoomEvent(ROOM, 'm.room.message', { body: 'hi bob' }));
    assert.deepEqual((await bob.decryptRoomEvent(ROOM, hi)).plaintext, { type: 'm.room.message', content: { body: 'hi bob' } });
    await bob.shareRoomKey(ROOM, members);
    await ledgerTurn(bob, server, '@bob:example.org', 'BOB');
    await ledgerTurn(alice, server, '@alice:example.org', 'ALICE');
    const back = sent('@bob:example.org', await bob.encryptRoomEvent(ROOM, 'm.room.message', { body: 'hi alice' }));
    const read = await alice.decryptRoomEvent(ROOM, back);
    assert.deepEqual(read.plaintext, { type: 'm.room.message', content: { body: 'hi alice' } });
    assert.deepEqual(read.senderDevice, { userId: '@bob:example.org', deviceId: 'BOB' });
  });
});
