/**
 * In-room SAS verification between keyledger and the Rust SDK: our request is one
 * `m.room.message` (msgtype `m.key.verification.request`), every later step points at its
 * event with `m.reference`, and the flow is known by that event's ID once the server
 * names it. Both show the same emoji and numbers; both end verified.
 */
import { strict as assert } from 'node:assert';
import { deviceTrust, identityDetail } from '../../projections/identities/selectors.js';
import { parseQrPayload } from '../../src/index.js';
import { RustSdk } from './rust.js';
import { ME, MEDEV, RUST, RUSTDEV, verificationPeers } from './verification-peers.js';

const ROOM = '!dm:example.org';

type Peers = Awaited<ReturnType<typeof verificationPeers>>;

/**
 * The room as both sides see it: `roomTurn` has each read the room's new events (its own
 * included, as a /sync timeline gives them); `sendRustRoom` sends a Rust room message.
 */
function roomPlumbing(peers: Peers) {
  const seen = { ledger: 0, rust: 0 };
  const roomTurn = async () => {
    const events = peers.server.rooms.get(ROOM) ?? [];
    // The in-memory server stamps events in 2023; requests older than 10 minutes are ignored (by Rust and by us).
    for (const event of events.slice(Math.min(seen.ledger, seen.rust))) (event as { origin_server_ts: number }).origin_server_ts = Math.max((event as { origin_server_ts: number }).origin_server_ts, Date.now());
    for (const event of events.slice(seen.ledger)) await peers.ledger.ingest({ kind: 'room_event', room_id: ROOM, event: event as never });
    seen.ledger = events.length;
    for (const event of events.slice(seen.rust)) await peers.machine.receiveVerificationEvent(JSON.stringify(event), new RustSdk.RoomId(ROOM));
    seen.rust = events.length;
  };
  const sendRustRoom = async (request: unknown) => {
    const r = request as { id: string; room_id: string; event_type: string; body: string };
    const response = peers.server.handle(RUST, RUSTDEV, { type: 'room_message', room_id: r.room_id, event_type: r.event_type, body: JSON.parse(r.body) as Record<string, unknown> } as never);
    await peers.machine.markRequestAsSent(r.id, RustSdk.RequestType.RoomMessage, JSON.stringify(response));
  };
  return { roomTurn, sendRustRoom };
}

describe('interop: SAS verification with the Rust SDK, in a room', function () {
  this.timeout(120_000);

  it('keyledger requests in the room, Rust accepts, keyledger starts SAS: same emoji, both verified', async () => {
    const peers = await verificationPeers();
    const { roomTurn, sendRustRoom } = roomPlumbing(peers);
    try {
      const { id, requests } = await peers.ledger.requestVerificationInRoom(ROOM, RUST);
      assert.deepEqual(requests.map((r) => r.type), ['room_message']);
      await peers.ledgerTurn(); // sends it; the response names the event
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      const eventId = flow.eventId!;
      assert.ok(eventId?.startsWith('$'), 'the flow is known by the request event\'s ID');
      assert.equal(flow.transport, 'in_room');
      await roomTurn();
      const request = peers.machine.getVerificationRequest(new RustSdk.UserId(ME), eventId)!;
      assert.ok(request, 'Rust took the in-room request');
      assert.equal(request.roomId?.toString(), ROOM);
      await sendRustRoom(request.accept());
      await roomTurn();
      assert.equal(peers.ledger.verifications().find((f) => f.id === id)!.phase, 'ready');
      await peers.ledger.startSas(id);
      await peers.ledgerTurn();
      await roomTurn();
      const sas = peers.machine.getVerification(new RustSdk.UserId(ME), eventId) as RustSdk.Sas;
      await sendRustRoom(sas.accept());
      for (let i = 0; i < 3; i++) {
        await roomTurn(); // accept → our key; our key → theirs (queued by Rust); theirs → the SAS
        await peers.ledgerTurn();
        for (const r of await peers.machine.outgoingRequests()) if ((r as { type: RustSdk.RequestType }).type === RustSdk.RequestType.RoomMessage) await sendRustRoom(r);
      }
      const shown = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.deepEqual(shown.emoji!.map((e) => e.emoji), sas.emoji()!.map((e) => e.symbol), 'the same 7 emoji');
      assert.deepEqual(shown.decimals, [...sas.decimals()!], 'the same 3 numbers');
      await peers.ledger.confirmSas(id);
      for (const r of await sas.confirm()) await sendRustRoom(r);
      for (let i = 0; i < 4; i++) {
        await peers.ledgerTurn();
        await roomTurn();
        for (const r of await peers.machine.outgoingRequests()) if ((r as { type: RustSdk.RequestType }).type === RustSdk.RequestType.RoomMessage) await sendRustRoom(r);
      }
      const done = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(done.phase, 'done', JSON.stringify(done.outcome));
      assert.equal(deviceTrust(peers.ledger.state(), RUST, RUSTDEV).level, 'verified');
      assert.ok(sas.isDone(), 'Rust finished');
      const ours = await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV));
      assert.ok(ours!.isVerified());
    } finally {
      await peers.close();
    }
  });

  it('in the room, QR: Rust shows a code for the request event, keyledger scans it and reciprocates; both end verified', async () => {
    const peers = await verificationPeers();
    const { roomTurn, sendRustRoom } = roomPlumbing(peers);
    try {
      await peers.ledger.updateTrackedUsers([ME]);
      await peers.ledger.bootstrapCrossSigning();
      await peers.rustBootstrap();
      for (let i = 0; i < 3; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      const { id } = await peers.ledger.requestVerificationInRoom(ROOM, RUST, { qr: true });
      await peers.ledgerTurn();
      const eventId = peers.ledger.verifications().find((f) => f.id === id)!.eventId!;
      await roomTurn();
      const request = peers.machine.getVerificationRequest(new RustSdk.UserId(ME), eventId)!;
      const M = RustSdk.VerificationMethod;
      await sendRustRoom(request.acceptWithMethods([M.QrCodeShowV1, M.ReciprocateV1]));
      await roomTurn();
      assert.equal(peers.ledger.verifications().find((f) => f.id === id)!.phase, 'ready');
      const qr = (await request.generateQrCode())!;
      await peers.ledger.scanVerificationQrCode(id, new Uint8Array(qr.toBytes()));
      await peers.ledgerTurn();
      await roomTurn();
      assert.ok(qr.hasBeenScanned(), 'Rust saw our reciprocate with its secret');
      await sendRustRoom(qr.confirmScanning());
      for (let i = 0; i < 3; i++) {
        await roomTurn();
        await peers.ledgerTurn();
        for (const r of await peers.machine.outgoingRequests()) if ((r as { type: RustSdk.RequestType }).type === RustSdk.RequestType.RoomMessage) await sendRustRoom(r);
      }
      const done = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(done.phase, 'done', JSON.stringify(done.outcome));
      assert.equal(identityDetail(peers.ledger.state(), RUST).level, 'verified');
      assert.ok(qr.isDone(), 'Rust finished');
      // The shared secret went through the room (our start, read back as a room event): it is in no log entry.
      const secret = Buffer.from(parseQrPayload(new Uint8Array(qr.toBytes())).secret).toString('base64').replace(/=+$/, '');
      let roomStarts = 0;
      for await (const e of peers.ledger.entries({})) {
        assert.ok(!JSON.stringify(e.payload).includes(secret), `the QR secret is not in entry ${e.seq} (${e.kind})`);
        if (e.kind === 'room_event' && JSON.stringify(e.payload).includes('m.reciprocate.v1')) roomStarts++;
      }
      assert.ok(roomStarts > 0, 'the reciprocate start was logged as a room event');
    } finally {
      await peers.close();
    }
  });
});
