/**
 * The demo's last act: Bob replies. Alice has a second device, her phone, which is the
 * Rust SDK (an OlmMachine, the crypto of Element's clients): Bob's ledger learns it from
 * `/keys/query`, claims its one-time key, shares a new room key with every device of the
 * room (each a decision with a code), encrypts the reply, and Alice's phone decrypts it
 * and names Bob's device as the sender. Bob then reads his own reply back (the remote
 * echo), so `keyledger shares --event` can say who held the key to it.
 *
 * The Rust SDK is a development dependency (the demo runs from a clone, after `npm ci`).
 */
import type { Decision, Ledger, OutgoingRequest } from '../../src/index.js';
import { keysQueryResponse, type MegolmRoomEvent, type SignedCurve25519Key, type SimDevice, type SimUser } from '../../src/testkit/index.js';
import { RustSdk, rustDevice, rustKeysQuery, rustUpload } from '../bench/rust.js';
import { DEMO_ROOM, DEMO_USER } from './scenario.js';

const ALICE = '@alice:example.org';
const PHONE = 'ALICEPHONE';

/** What the reply step needs from the sample: Alice (with her laptop) and Bob's cross-signing identity. */
export interface ReplyCast {
  alice: SimUser;
  laptop: SimDevice;
  bob: SimUser;
}

/** What the demo shows of the reply: the decisions, what Rust read, and the reply's event ID. */
export interface ReplyOutcome {
  decisions: Decision[];
  eventId: string;
  rustBody: string | undefined;
  rustSender: string | undefined;
}

/** Runs the reply and prints each step with `out`. */
export async function replyToAlice(ledger: Ledger, cast: ReplyCast, receivedAt: number, out: (line?: string) => void): Promise<ReplyOutcome> {
  const phone = await rustDevice(ALICE, PHONE);
  try {
    const phoneKeys = await rustUpload(phone);
    out(`\nAlice signs in on her phone (${PHONE}, the Rust SDK ${RustSdk.getVersions().matrix_sdk_crypto}); Bob replies to her:`);
    const decisions: Decision[] = [];
    const aliceQuery = keysQueryResponse({ users: [{ user: cast.alice, devices: [cast.laptop, phoneKeys.device_keys] }] });

    // Bob's client tracks the room's members: Alice's keys are queried (her new phone among them).
    await ledger.updateTrackedUsers([ALICE]);
    await sendAll(ledger, (r) => (r.type === 'keys_query' ? aliceQuery : undefined));
    // One-time keys for the devices Bob has no Olm session with.
    const claim = await ledger.getMissingSessions([ALICE]);
    if (claim !== null && claim.type === 'keys_claim') {
      const oneTimeKeys: Record<string, Record<string, Record<string, SignedCurve25519Key>>> = {};
      for (const [userId, devices] of Object.entries(claim.body.one_time_keys)) {
        for (const deviceId of Object.keys(devices)) {
          if (userId === ALICE && deviceId === PHONE) (oneTimeKeys[userId] ??= {})[deviceId] = Object.fromEntries(Object.entries(phoneKeys.one_time_keys).slice(0, 1));
          else if (userId === ALICE && deviceId === cast.laptop.deviceId) (oneTimeKeys[userId] ??= {})[deviceId] = cast.laptop.oneTimeKeys(1);
        }
      }
      decisions.push(...(await ledger.markRequestAsSent(claim.id, claim.type, { one_time_keys: oneTimeKeys, failures: {} })).decisions);
    }
    const share = await ledger.shareRoomKey(DEMO_ROOM, [ALICE], { strategy: 'all' });
    decisions.push(...share.decisions);
    out('  shareRoomKey: every device of the room, each a decision');
    for (const d of share.decisions.filter((d) => d.code.startsWith('room_key_share.') || d.code.startsWith('megolm_out.'))) out(`    ${d.outcome.padEnd(8)} ${d.code.padEnd(34)} ${d.subject}`);

    // The to-device messages reach Alice's phone in its sync.
    const toPhone: unknown[] = [];
    for (const r of share.requests) {
      if (r.type !== 'to_device') continue;
      const content = r.body.messages[ALICE]?.[PHONE];
      if (content !== undefined) toPhone.push({ type: r.event_type, sender: DEMO_USER, content });
      await ledger.markRequestAsSent(r.id, r.type, {});
    }
    await rustKeysQuery(phone, keysQueryResponse({ users: [{ user: cast.bob, devices: [ledger.deviceKeys()] }] }));
    await phone.receiveSyncChanges(JSON.stringify(toPhone), new RustSdk.DeviceLists(), new Map(), new Set());

    const content = await ledger.encryptRoomEvent(DEMO_ROOM, 'm.room.message', { msgtype: 'm.text', body: 'Noon is perfect, see you there!' });
    const event: MegolmRoomEvent = { event_id: '$bob-replies', sender: DEMO_USER, origin_server_ts: receivedAt, type: 'm.room.encrypted', room_id: DEMO_ROOM, content: content as MegolmRoomEvent['content'] };
    out(`  encryptRoomEvent: session ${content.session_id.slice(0, 10)}…, sent as ${event.event_id} (the log keeps session and index, never the text)`);

    let rustBody: string | undefined;
    let rustSender: string | undefined;
    try {
      const read = await phone.decryptRoomEvent(JSON.stringify(event), new RustSdk.RoomId(DEMO_ROOM), new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted));
      rustBody = (JSON.parse(read.event) as { content?: { body?: string } }).content?.body;
      rustSender = `${read.sender?.toString()} ${read.senderDevice?.toString()}`;
      out(`  Alice's phone (Rust SDK) reads: ${JSON.stringify(rustBody)}  [from ${rustSender}]`);
    } catch (err) {
      out(`  Alice's phone (Rust SDK) could NOT decrypt the reply: ${(err as Error).message}`);
    }

    // Bob's client shows the remote echo of his own reply: decrypted with our own copy of the session.
    const echo = await ledger.decryptRoomEvent(DEMO_ROOM, event, { receivedAt: receivedAt + 1 });
    out(`  Bob reads his own echo: ${echo.decrypted ? `index ${echo.messageIndex}, ${echo.authenticity}` : `not decrypted (${echo.utd?.cause})`}`);
    return { decisions, eventId: event.event_id, rustBody, rustSender };
  } finally {
    phone.close();
  }
}

/** Sends every pending request, answering each with `respond` (or an empty body). */
async function sendAll(ledger: Ledger, respond: (r: OutgoingRequest) => unknown): Promise<void> {
  for (let round = 0; round < 3 && ledger.outgoingRequests().length > 0; round++) {
    for (const r of ledger.outgoingRequests()) {
      if (r.type === 'keys_upload') await ledger.markRequestAsSent(r.id, r.type, { one_time_key_counts: { signed_curve25519: 50 } });
      else await ledger.markRequestAsSent(r.id, r.type, respond(r) ?? {});
    }
  }
}

