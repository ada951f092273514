import type { DecryptedRoomEvent, IngestOutcome, KeysUploadBody, Ledger } from '../../src/index.js';
import { SimUser, keysQueryResponse, type SimDevice } from '../../src/testkit/index.js';

/** Who we are in the demo. */
export const DEMO_USER = '@bob:example.org';
export const DEMO_DEVICE = 'BOBPHONE';
export const DEMO_ROOM = '!lunch:example.org';

/** One input of the sample, with a line saying what it is. */
export interface DemoInput {
  what: string;
  envelope: unknown;
  /** Room events are fed through `decryptRoomEvent`, to show what a client gets back. */
  roomEvent?: { roomId: string; event: unknown };
}

/** Messages written in the forged session (the demo has one; the shipped sample more). */
export interface ForgedMessage {
  eventId?: string;
  body: string;
}

/**
 * A realistic sample day for Bob's phone, made with real olm keys: the server lists Alice
 * and Bob's own devices; Alice shares a room key over Olm and writes; Bob's own, never
 * verified tablet pushes a forwarded key nobody asked for (the "semi-trusted
 * impersonation" of Albrecht et al.); a message is replayed under a new event ID; and one
 * input arrives garbled. `forged` lists the messages sent in the forged session.
 */
export async function demoInputs(
  ours: KeysUploadBody,
  forged: readonly ForgedMessage[] = [{ body: 'Send me your password' }],
): Promise<{ inputs: DemoInput[]; alice: SimUser; laptop: SimDevice; bob: SimUser; free(): void }> {
  const alice = await SimUser.create('@alice:example.org');
  const laptop = await alice.addDevice('ALICELAPTOP');
  const bob = await SimUser.create(DEMO_USER);
  const tablet = await bob.addDevice('BOBTABLET');
  const keys = ours.device_keys!;
  const [, otk] = Object.entries(ours.one_time_keys)[0]!;
  const [, otk2] = Object.entries(ours.one_time_keys)[1]!;
  const me = { userId: DEMO_USER, deviceId: DEMO_DEVICE, curve25519: keys.keys[`curve25519:${DEMO_DEVICE}`]!, ed25519: keys.keys[`ed25519:${DEMO_DEVICE}`]! };
  let t = 1_764_230_400_000; // 2025-11-27T08:00:00Z
  const at = () => (t += 1_500);
  const inputs: DemoInput[] = [];
  inputs.push({
    what: '/keys/query: Alice (cross-signed laptop), and our own identity with an unverified tablet',
    envelope: {
      kind: 'keys_query',
      received_at: at(),
      response: keysQueryResponse({ users: [{ user: alice, devices: [laptop] }, { user: bob, devices: [tablet, keys], includeUserSigningKey: true }] }),
    },
  });
  const outbound = laptop.createOutboundSession(DEMO_ROOM);
  inputs.push({
    what: "Alice's laptop shares a Megolm session with us over Olm (m.room_key)",
    envelope: { kind: 'to_device', received_at: at(), event: laptop.encryptToDevice({ ...me, oneTimeKey: otk.key }, 'm.room_key', outbound.roomKeyContent()) },
  });
  const messages = ['Lunch at noon?', 'I booked the table.'].map((body) => outbound.encrypt('m.room.message', { msgtype: 'm.text', body }, { originServerTs: t }));
  for (const event of messages) {
    const envelope = { kind: 'room_event', room_id: DEMO_ROOM, received_at: at(), event };
    inputs.push({ what: 'an encrypted message from Alice', envelope, roomEvent: { roomId: DEMO_ROOM, event } });
  }
  // Our unverified tablet (its keys could be the server's) pushes a key for a session of
  // its own making, dressed up as Alice's: the attack needs us to accept it.
  const fake = tablet.createOutboundSession(DEMO_ROOM);
  const forwarded = await fake.forwardedRoomKeyContent(0);
  inputs.push({
    what: 'our unverified tablet forwards a key for "Alice\'s" session that we never requested',
    envelope: {
      kind: 'to_device',
      received_at: at(),
      event: tablet.encryptToDevice({ ...me, oneTimeKey: otk2.key }, 'm.forwarded_room_key', { ...forwarded, sender_key: laptop.curve25519, sender_claimed_ed25519_key: laptop.ed25519 }),
    },
  });
  for (const message of forged) {
    const event = fake.encrypt('m.room.message', { msgtype: 'm.text', body: message.body }, { sender: '@alice:example.org', eventId: message.eventId, originServerTs: t });
    // The unauthenticated routing fields say Alice's laptop, as the forwarded key claimed.
    const spoofed = { ...event, content: { ...event.content, sender_key: laptop.curve25519, device_id: 'ALICELAPTOP' } };
    inputs.push({ what: 'a message in that forged session, claiming to be from Alice', envelope: { kind: 'room_event', room_id: DEMO_ROOM, received_at: at(), event: spoofed }, roomEvent: { roomId: DEMO_ROOM, event: spoofed } });
  }
  const replay = { ...messages[0]!, event_id: '$replayed-by-the-server' };
  inputs.push({ what: 'the first message again, under a new event ID (a replay)', envelope: { kind: 'room_event', room_id: DEMO_ROOM, received_at: at(), event: replay }, roomEvent: { roomId: DEMO_ROOM, event: replay } });
  inputs.push({
    what: 'a garbled to-device event (session_id is a number)',
    envelope: `{"kind":"to_device","received_at":${at()},"event":{"type":"m.room_key","sender":"@mallory:example.org","content":{"algorithm":"m.megolm.v1.aes-sha2","room_id":"${DEMO_ROOM}","session_id":42}}}`,
  });
  return {
    inputs,
    alice,
    laptop,
    bob,
    free: () => {
      outbound.free();
      fake.free();
      alice.free();
      bob.free();
    },
  };
}

/** What one demo input gave: a decrypted room event, or an ingest outcome. */
export type DemoResult = { input: DemoInput; room: DecryptedRoomEvent; outcome?: undefined } | { input: DemoInput; outcome: IngestOutcome; room?: undefined };

/**
 * Feeds the demo inputs to a ledger as a client would: room events through
 * `decryptRoomEvent` (stamped with their own time), everything else through `ingestMany`
 * (a bad input is logged as rejected, not thrown). Used by the demo, the sample and tests.
 */
export async function feedDemo(ledger: Ledger, inputs: readonly DemoInput[], onEach?: (r: DemoResult) => void | Promise<void>): Promise<void> {
  for (const input of inputs) {
    if (input.roomEvent) {
      const receivedAt = (input.envelope as { received_at?: number }).received_at;
      const room = await ledger.decryptRoomEvent(input.roomEvent.roomId, input.roomEvent.event, receivedAt === undefined ? {} : { receivedAt });
      await onEach?.({ input, room });
    } else {
      const [outcome] = await ledger.ingestManyUnknown([input.envelope]);
      await onEach?.({ input, outcome: outcome! });
    }
  }
}
