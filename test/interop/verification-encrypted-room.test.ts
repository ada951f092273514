/**
 * In-room SAS verification with the Rust SDK in an encrypted room: both sides hold each
 * other's Megolm session for the room, every verification event goes as `m.room.encrypted`
 * (ours through the engine, Rust's encrypted by its machine), and each side decrypts the
 * other's before its flow sees it. Encryption does not hinder the verification: both end
 * verified, and the log replays to the same state.
 */
import { strict as assert } from 'node:assert';
import { deviceTrust } from '../../projections/identities/selectors.js';
import type { OutgoingRequest } from '../../src/index.js';
import { RustSdk } from './rust.js';
import { rustEncryptRoomEvent } from './rust-share.js';
import { ME, MEDEV, RUST, RUSTDEV, verificationPeers, type Peers } from './verification-peers.js';

const ROOM = '!secret:example.org';

interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  room_id: string;
}

/** Both sides share their room key for ROOM with the other (Olm sessions claimed first). */
async function shareKeys(peers: Peers): Promise<void> {
  await peers.ledger.shareRoomKey(ROOM, [ME, RUST]);
  await peers.ledgerTurn();
  await peers.ledgerTurn();
  await peers.rustTurn();
  const claim = await peers.machine.getMissingSessions([new RustSdk.UserId(ME)]);
  if (claim) {
    const response = peers.server.handle(RUST, RUSTDEV, { type: 'keys_claim', body: JSON.parse(claim.body) as Record<string, unknown> });
    await peers.machine.markRequestAsSent(claim.id, claim.type, JSON.stringify(response));
  }
  for (const r of await peers.machine.shareRoomKey(new RustSdk.RoomId(ROOM), [new RustSdk.UserId(ME), new RustSdk.UserId(RUST)], new RustSdk.EncryptionSettings())) await peers.sendRust(r);
  await peers.ledgerTurn();
}

/** The room plumbing of both sides, encrypted: what each sends is Megolm-encrypted, what each reads is decrypted first. */
function encryptedRoom(peers: Peers) {
  const seen = { ledger: 0, rust: 0 };
  const events = () => (peers.server.rooms.get(ROOM) ?? []) as unknown as RoomEvent[];
  return {
    events,
    /** Each side reads the room's new events (its own included, as a /sync timeline gives them). */
    async turn(): Promise<void> {
      const all = events();
      // The in-memory server stamps events in 2023; requests older than 10 minutes are ignored (by Rust and by us).
      for (const event of all.slice(Math.min(seen.ledger, seen.rust))) event.origin_server_ts = Math.max(event.origin_server_ts, Date.now());
      for (const event of all.slice(seen.ledger)) await peers.ledger.ingest({ kind: 'room_event', room_id: ROOM, event: event as never });
      seen.ledger = all.length;
      for (const event of all.slice(seen.rust)) {
        assert.equal(event.type, 'm.room.encrypted', 'every event of the room is encrypted');
        if (event.sender === RUST) continue;
        const read = await peers.machine.decryptRoomEvent(JSON.stringify(event), new RustSdk.RoomId(ROOM), new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted));
        const plain = JSON.parse(read.event) as Record<string, unknown>;
        await peers.machine.receiveVerificationEvent(JSON.stringify({ ...plain, event_id: event.event_id, sender: event.sender, origin_server_ts: event.origin_server_ts, room_id: ROOM }), new RustSdk.RoomId(ROOM));
      }
      seen.rust = all.length;
    },
    /** Sends one in-room request of Rust's, encrypted by its machine. */
    async sendRust(request: unknown): Promise<void> {
      const r = request as { id: string; room_id: string; event_type: string; body: string };
      const encrypted = await peers.machine.encryptRoomEvent(new RustSdk.RoomId(r.room_id), r.event_type, r.body);
      const response = peers.server.handle(RUST, RUSTDEV, { type: 'room_message', room_id: r.room_id, event_type: 'm.room.encrypted', body: JSON.parse(encrypted) as Record<string, unknown> } as never);
      await peers.machine.markRequestAsSent(r.id, RustSdk.RequestType.RoomMessage, JSON.stringify(response));
    },
    /** Rust's pending in-room messages, sent. */
    async rustOutgoing(): Promise<void> {
      for (const r of await peers.machine.outgoingRequests()) if ((r as { type: RustSdk.RequestType }).type === RustSdk.RequestType.RoomMessage) await this.sendRust(r);
    },
  };
}

describe('interop: SAS verification with the Rust SDK in an encrypted room', function () {
  this.timeout(120_000);

  it('keyledger requests in the encrypted room, Rust accepts, keyledger starts SAS: every event encrypted, same emoji, both verified', async () => {
    const peers = await verificationPeers();
    const room = encryptedRoom(peers);
    try {
      await shareKeys(peers);
      const { id, requests } = await peers.ledger.requestVerificationInRoom(ROOM, RUST);
      assert.deepEqual(requests.map((r: OutgoingRequest) => [r.type, r.type === 'room_message' ? r.event_type : null]), [['room_message', 'm.room.encrypted']], 'our request goes encrypted');
      await peers.ledgerTurn();
      const eventId = peers.ledger.verifications().find((f) => f.id === id)!.eventId!;
      assert.ok(eventId.startsWith('$'));
      await room.turn();
      const request = peers.machine.getVerificationRequest(new RustSdk.UserId(ME), eventId);
      assert.ok(request, 'Rust decrypted and took the in-room request');
      await room.sendRust(request.accept());
      await room.turn();
      assert.equal(peers.ledger.verifications().find((f) => f.id === id)!.phase, 'ready', 'we decrypted Rust\'s ready');
      await peers.ledger.startSas(id);
      await peers.ledgerTurn();
      await room.turn();
      const sas = peers.machine.getVerification(new RustSdk.UserId(ME), eventId) as RustSdk.Sas;
      assert.ok(sas, 'Rust decrypted our start');
      await room.sendRust(sas.accept());
      for (let i = 0; i < 3; i++) {
        await room.turn();
        await peers.ledgerTurn();
        await room.rustOutgoing();
      }
      const shown = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.deepEqual(shown.emoji!.map((e) => e.emoji), sas.emoji()!.map((e) => e.symbol), 'the same 7 emoji');
      assert.deepEqual(shown.decimals, [...sas.decimals()!], 'the same 3 numbers');
      await peers.ledger.confirmSas(id);
      for (const r of await sas.confirm()) await room.sendRust(r);
      for (let i = 0; i < 4; i++) {
        await peers.ledgerTurn();
        await room.turn();
        await room.rustOutgoing();
      }
      const done = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(done.phase, 'done', JSON.stringify(done.outcome));
      assert.equal(deviceTrust(peers.ledger.state(), RUST, RUSTDEV).level, 'verified');
      assert.ok(sas.isDone(), 'Rust finished');
      assert.ok((await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV)))!.isVerified());
      // Nothing went in the clear, and the log alone gives the same verdict again.
      assert.ok(room.events().length >= 8);
      assert.ok(room.events().every((e) => e.type === 'm.room.encrypted'));
      const replayed = await peers.ledger.replay();
      assert.equal(peers.ledger.stateHash(replayed.state), peers.ledger.stateHash());
    } finally {
      await peers.close();
    }
  });

  it('a decrypted request whose sender does not own the Megolm session is refused (verification.encrypted_event_refused); from its owner it starts a flow', async () => {
    const peers = await verificationPeers();
    try {
      await shareKeys(peers);
      const content = { msgtype: 'm.key.verification.request', body: 'verify?', to: ME, from_device: RUSTDEV, methods: ['m.sas.v1'] };
      const forged = await rustEncryptRoomEvent(peers.machine, ROOM, 'm.room.message', content, { eventId: '$forged', originServerTs: Date.now() });
      const result = await peers.ledger.ingest({ kind: 'room_event', room_id: ROOM, event: { ...forged, sender: '@mallory:example.org' } as never });
      assert.deepEqual(result.decisions.map((d) => d.code), ['megolm.sender_mismatch', 'verification.encrypted_event_refused']);
      assert.equal(peers.ledger.verifications().length, 0, 'no flow from a refused decryption');
      const real = await rustEncryptRoomEvent(peers.machine, ROOM, 'm.room.message', content, { eventId: '$real', originServerTs: Date.now() });
      const taken = await peers.ledger.ingest({ kind: 'room_event', room_id: ROOM, event: real as never });
      assert.deepEqual(taken.decisions.map((d) => d.code), ['verification.requested']);
      const flow = peers.ledger.verifications().find((f) => f.id === '$real')!;
      assert.equal(flow.transport, 'in_room');
      assert.equal(flow.canAccept, true);
      // Our ready to it goes encrypted too.
      const { requests } = await peers.ledger.acceptVerification('$real');
      assert.deepEqual(requests.map((r) => (r.type === 'room_message' ? r.event_type : r.type)), ['m.room.encrypted']);
    } finally {
      await peers.close();
    }
  });

  it('Rust requests in the encrypted room (our user, by our cross-signing identity), keyledger accepts, Rust starts SAS: same emoji, both verified', async () => {
    const peers = await verificationPeers();
    const room = encryptedRoom(peers);
    try {
      // Rust verifies a user in a room: it needs our cross-signing identity.
      await peers.ledger.bootstrapCrossSigning();
      for (let i = 0; i < 3; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      await shareKeys(peers);
      const identity = (await peers.machine.getIdentity(new RustSdk.UserId(ME))) as RustSdk.OtherUserIdentity;
      assert.ok(identity, 'Rust knows our identity');
      const methods = [RustSdk.VerificationMethod.SasV1];
      const requestContent = identity.verificationRequestContent(methods);
      const encrypted = await peers.machine.encryptRoomEvent(new RustSdk.RoomId(ROOM), 'm.room.message', requestContent);
      const { event_id: eventId } = peers.server.handle(RUST, RUSTDEV, { type: 'room_message', room_id: ROOM, event_type: 'm.room.encrypted', body: JSON.parse(encrypted) as Record<string, unknown> } as never) as { event_id: string };
      const request = await identity.requestVerification(new RustSdk.RoomId(ROOM), new RustSdk.EventId(eventId), methods);
      await room.turn();
      const flow = peers.ledger.verifications().find((f) => f.id === eventId)!;
      assert.ok(flow?.canAccept, 'we decrypted Rust\'s request');
      await peers.ledger.acceptVerification(eventId);
      await peers.ledgerTurn();
      await room.turn();
      assert.ok(request.isReady(), 'Rust decrypted our ready');
      const [sas, start] = (await request.startSas())!;
      await room.sendRust(start);
      for (let i = 0; i < 3; i++) {
        await room.turn();
        await peers.ledgerTurn();
        await room.turn();
        await room.rustOutgoing();
      }
      const shown = peers.ledger.verifications().find((f) => f.id === eventId)!;
      assert.deepEqual(shown.emoji!.map((e) => e.emoji), sas.emoji()!.map((e) => e.symbol), 'the same 7 emoji');
      assert.deepEqual(shown.decimals, [...sas.decimals()!], 'the same 3 numbers');
      for (const r of await sas.confirm()) await room.sendRust(r);
      await peers.ledger.confirmSas(eventId);
      for (let i = 0; i < 4; i++) {
        await peers.ledgerTurn();
        await room.turn();
        await room.rustOutgoing();
      }
      const done = peers.ledger.verifications().find((f) => f.id === eventId)!;
      assert.equal(done.phase, 'done', JSON.stringify(done.outcome));
      assert.equal(deviceTrust(peers.ledger.state(), RUST, RUSTDEV).level, 'verified');
      assert.ok(sas.isDone(), 'Rust finished');
      assert.ok(room.events().every((e) => e.type === 'm.room.encrypted'), 'nothing went in the clear');
    } finally {
      await peers.close();
    }
  });
});
