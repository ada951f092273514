/**
 * Gossip through the whole engine, two ledgers of the same user (and testkit devices):
 * a key request answered with a real Olm-encrypted `m.forwarded_room_key` that decrypts
 * the room's messages; a secret learned over Olm, sealed in the vault and passed on; and
 * the attacks on secret sharing, refused with their codes and nothing stored.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Decision, type Ledger, type OutgoingRequest } from '../../../src/index.js';
import { SimDevice, type OlmToDeviceEvent } from '../../../src/testkit/index.js';
import { loadOlm } from '../../../src/crypto/olm.js';
import { secretPublicKey as publicKeyOfSecret } from '../../../src/secrets/stored.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';
const ALICE = '@alice:example.org';
const MALLORY = '@mallory:example.org';
const ROOM = '!room:example.org';
const BACKUP = 'm.megolm_backup.v1';

const codesOf = (ds: readonly Decision[]) => ds.map((d) => d.code).filter((c) => !c.startsWith('olm.') && c !== 'to_device.encrypted' && c !== 'keys_claim.accepted');

/** A ledger's device keys and one of its one-time keys, as /keys/query and /keys/claim would serve them. */
async function publish(ledger: Ledger) {
  await ledger.receiveSync({ device_one_time_keys_count: { signed_curve25519: 0 }, device_unused_fallback_key_types: [] });
  const upload = ledger.outgoingRequests().find((r) => r.type === 'keys_upload')!;
  const body = upload.body as { one_time_keys: Record<string, unknown> };
  await ledger.markRequestAsSent(upload.id, 'keys_upload', { one_time_key_counts: { signed_curve25519: Object.keys(body.one_time_keys).length } });
  const keys = Object.entries(body.one_time_keys);
  let next = 0;
  const deviceKeys = ledger.deviceKeys();
  return {
    deviceKeys,
    claim: () => Object.fromEntries([keys[next++]!]),
    recipient: (): { userId: string; deviceId: string; curve25519: string; ed25519: string; oneTimeKey: string } => ({
      userId: deviceKeys.user_id, deviceId: deviceKeys.device_id,
      curve25519: deviceKeys.keys[`curve25519:${deviceKeys.device_id}`]!, ed25519: deviceKeys.keys[`ed25519:${deviceKeys.device_id}`]!,
      oneTimeKey: ((keys[next++]![1]) as { key: string }).key,
    }),
  };
}

/** The to-device events a to_device request delivers to one device. */
function deliveredTo(request: OutgoingRequest, sender: string, userId: string, deviceId: string): { type: string; sender: string; content: Record<string, unknown> }[] {
  if (request.type !== 'to_device') return [];
  const content = request.body.messages[userId]?.[deviceId];
  return content === undefined ? [] : [{ type: request.event_type, sender, content: content as Record<string, unknown> }];
}

/** Everything `from` has to send, delivered to one device of `userId`, and marked sent. */
async function flush(from: Ledger, sender: string, userId: string, deviceId: string) {
  const events: ReturnType<typeof deliveredTo> = [];
  for (const r of from.outgoingRequests()) {
    if (r.type !== 'to_device') continue;
    events.push(...deliveredTo(r, sender, userId, deviceId));
    await from.markRequestAsSent(r.id, 'to_device', {});
  }
  return events;
}

describe('outbound: gossip between our own devices (key requests, secret sharing)', function () {
  this.timeout(60_000);
  const dirs: ReturnType<typeof tempDir>[] = [];
  const ledgers: Ledger[] = [];
  const sims: SimDevice[] = [];
  async function newLedger(deviceId: string): Promise<Ledger> {
    const dir = tempDir();
    dirs.push(dir);
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId, unencryptedVault: true });
    ledgers.push(ledger);
    return ledger;
  }
  async function sim(userId: string, deviceId: string): Promise<SimDevice> {
    const d = await SimDevice.create(userId, deviceId);
    sims.push(d);
    return d;
  }
  afterEach(async () => {
    for (const l of ledgers.splice(0)) await l.close();
    for (const d of dirs.splice(0)) d.cleanup();
    for (const s of sims.splice(0)) s.free();
  });

  /** Two ledgers of ME that list (and, unless told not to, verify) each other, plus other devices listed on both. */
  async function pair(opts: { verify?: boolean; extra?: SimDevice[] } = {}) {
    const a = await newLedger('LAPTOP');
    const b = await newLedger('DESKTOP');
    const pa = await publish(a);
    const pb = await publish(b);
    const own = { LAPTOP: pa.deviceKeys, DESKTOP: pb.deviceKeys } as Record<string, unknown>;
    const others: Record<string, Record<string, unknown>> = {};
    for (const d of opts.extra ?? []) {
      if (d.userId === ME) own[d.deviceId] = d.deviceKeys();
      else (others[d.userId] ??= {})[d.deviceId] = d.deviceKeys();
    }
    const response = { device_keys: { [ME]: own, ...others }, failures: {} } as never;
    await a.ingest({ kind: 'keys_query', response });
    await b.ingest({ kind: 'keys_query', response });
    if (opts.verify !== false) {
      await a.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'DESKTOP', ed25519: pb.deviceKeys.keys['ed25519:DESKTOP']! });
      await b.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'LAPTOP', ed25519: pa.deviceKeys.keys['ed25519:LAPTOP']! });
    }
    return { a, b, pa, pb };
  }

  /** `ledger` answers a keys_claim request it made with one of `peer`'s keys. */
  async function answerClaim(ledger: Ledger, userId: string, deviceId: string, claimed: Record<string, unknown>) {
    const claim = ledger.outgoingRequests().find((r) => r.type === 'keys_claim');
    assert.ok(claim, 'a keys_claim request for the device we owe an answer');
    return ledger.markRequestAsSent(claim.id, 'keys_claim', { one_time_keys: { [userId]: { [deviceId]: claimed } } });
  }

  it('a key request from our verified device is answered with an m.forwarded_room_key that decrypts the room; a verified device we did not ask is refused (forwarded_key.unasked_device); the other device asked is told to stop', async () => {
    const alice = await sim(ALICE, 'A1');
    const tablet = await sim(ME, 'TABLET');
    const late = await sim(ME, 'LATE');
    const { a, b, pa, pb } = await pair({ extra: [alice, tablet, late] });
    await b.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'TABLET', ed25519: tablet.ed25519 });
    // LAPTOP holds Alice's session (an m.room_key over Olm); DESKTOP does not.
    const session = alice.createOutboundSession(ROOM);
    const roomKey = alice.encryptToDevice(pa.recipient(), 'm.room_key', session.roomKeyContent() as never);
    const event = session.encrypt('m.room.message', { body: 'secret plans' });
    const held = await a.receiveSync({ to_device: { events: [roomKey] } });
    assert.ok(held.decisions.some((d) => d.code === 'room_key.accepted'));
    const before = await b.decryptRoomEvent(ROOM, event);
    assert.equal(before.decrypted, false);

    // DESKTOP asks its verified devices: LAPTOP and TABLET.
    const asked = await b.requestRoomKey(ROOM, session.sessionId, alice.curve25519);
    assert.deepEqual(codesOf(asked.decisions), ['room_key.requested']);
    assert.equal(asked.requests.length, 1);
    assert.deepEqual(Object.keys((asked.requests[0]!.body as { messages: Record<string, object> }).messages[ME]!), ['LAPTOP', 'TABLET']);
    const toTablet = deliveredTo(asked.requests[0]!, ME, ME, 'TABLET');

    // LATE, verified only after the request went out, answers it anyway: it was not asked.
    await b.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'LATE', ed25519: late.ed25519 });
    const unasked = late.encryptToDevice(pb.recipient(), 'm.forwarded_room_key', (await session.forwardedRoomKeyContent(0)) as never);
    assert.deepEqual(codesOf((await b.receiveSync({ to_device: { events: [unasked] } })).decisions), ['forwarded_key.unasked_device']);
    assert.equal((await b.decryptRoomEvent(ROOM, event)).decrypted, false);

    // LAPTOP decides to share; it has no Olm session with DESKTOP yet, so it claims one first.
    const got = await a.receiveSync({ to_device: { events: await flush(b, ME, ME, 'LAPTOP') } });
    assert.deepEqual(codesOf(got.decisions), ['key_request.shared']);
    const claimed = await answerClaim(a, ME, 'DESKTOP', pb.claim());
    assert.ok(claimed.decisions.some((d) => d.code === 'to_device.encrypted'));
    const forwarded = await flush(a, ME, ME, 'DESKTOP');
    assert.equal(forwarded.length, 1);
    assert.equal(forwarded[0]!.type, 'm.room.encrypted');

    const taken = await b.receiveSync({ to_device: { events: forwarded as OlmToDeviceEvent[] } });
    assert.deepEqual(codesOf(taken.decisions), ['forwarded_key.accepted']);
    // TABLET, asked too, is told to stop; LAPTOP, which answered, is not.
    const cancel = b.outgoingRequests().filter((r) => r.type === 'to_device');
    assert.equal(cancel.length, 1);
    assert.deepEqual(Object.keys((cancel[0]!.body as { messages: Record<string, object> }).messages[ME]!), ['TABLET']);
    assert.deepEqual(deliveredTo(cancel[0]!, ME, ME, 'TABLET').map((e) => [e.type, e.content['action'], e.content['request_id']]), [['m.room_key_request', 'request_cancellation', toTablet[0]!.content['request_id']]]);
    await flush(b, ME, ME, 'TABLET');
    const after = await b.decryptRoomEvent(ROOM, event);
    assert.equal(after.decrypted, true, JSON.stringify(after.utd));
    assert.deepEqual(after.plaintext?.content, { body: 'secret plans' });
    // Nothing is owed or due any more.
    assert.deepEqual(a.outgoingRequests().filter((r) => r.type === 'to_device'), []);
    assert.deepEqual(b.outgoingRequests().filter((r) => r.type === 'to_device'), []);
  });

  it('key requests are refused for an unverified own device (m.room_key.withheld m.unverified) and for a session we lack (m.unavailable)', async () => {
    const { a, b } = await pair({ verify: false });
    const request = (sessionId: string, id: string) => ({
      type: 'm.room_key_request', sender: ME,
      content: { action: 'request', requesting_device_id: 'DESKTOP', request_id: id, body: { algorithm: 'm.megolm.v1.aes-sha2', room_id: ROOM, session_id: sessionId } },
    });
    const refused = await a.receiveSync({ to_device: { events: [request('s1', 'r1')] } });
    assert.deepEqual(codesOf(refused.decisions), ['key_request.unverified_device']);
    const withheld = await flush(a, ME, ME, 'DESKTOP');
    assert.deepEqual(withheld.map((e) => [e.type, e.content['code']]), [['m.room_key.withheld', 'm.unverified']]);
    // DESKTOP logs the notice like any other.
    await b.receiveSync({ to_device: { events: withheld } });
    await a.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'DESKTOP', ed25519: b.deviceKeys().keys['ed25519:DESKTOP']! });
    const unknown = await a.receiveSync({ to_device: { events: [request('s2', 'r2')] } });
    assert.deepEqual(codesOf(unknown.decisions), ['key_request.unknown_session']);
    assert.deepEqual((await flush(a, ME, ME, 'DESKTOP')).map((e) => e.content['code']), ['m.unavailable']);
    // Another user: refused, and nothing at all is sent back.
    const stranger = await a.receiveSync({ to_device: { events: [{ ...request('s1', 'r3'), sender: MALLORY }] } });
    assert.deepEqual(codesOf(stranger.decisions), ['key_request.other_user']);
    assert.deepEqual(a.outgoingRequests().filter((r) => r.type === 'to_device'), []);
  });

  it('a secret comes over Olm from the device we asked, is sealed in the vault, and is passed on to our other verified device', async () => {
    const olm = await loadOlm();
    const tablet = await sim(ME, 'TABLET');
    const { a, b, pa, pb } = await pair({ extra: [tablet] });
    await a.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'TABLET', ed25519: tablet.ed25519 });
    const secret = Buffer.alloc(32, 42).toString('base64').replace(/=+$/, '');
    const publicKey = publicKeyOfSecret(olm, BACKUP, secret);
    assert.ok(publicKey);

    // LAPTOP asks TABLET and DESKTOP (both verified); TABLET answers; DESKTOP is told to stop.
    const asked = await a.requestSecret(BACKUP);
    assert.deepEqual(codesOf(asked.decisions), ['secret_request.requested']);
    assert.deepEqual(Object.keys((asked.requests[0]!.body as { messages: Record<string, object> }).messages[ME]!).sort(), ['DESKTOP', 'TABLET']);
    await flush(a, ME, ME, 'TABLET');
    const answer = tablet.encryptToDevice(pa.recipient(), 'm.secret.send', { request_id: asked.requestId, secret });
    const took = await a.receiveSync({ to_device: { events: [answer] } });
    // Accepted by the gossip slice; the backup slice records the secret as stored (a backup key from a trusted source).
    assert.deepEqual(codesOf(took.decisions), ['secret_send.accepted', 'secret.stored']);
    assert.deepEqual(await storedFacts(a), [{ name: BACKUP, source: 'secret_send', public_key: publicKey, request_id: asked.requestId }]);
    const cancel = await flush(a, ME, ME, 'DESKTOP');
    assert.deepEqual(cancel.map((e) => [e.type, e.content['action'], e.content['request_id']]), [['m.secret.request', 'request_cancellation', asked.requestId]]);

    // DESKTOP asks LAPTOP, which answers from its vault over Olm.
    const second = await b.requestSecret(BACKUP);
    const got = await a.receiveSync({ to_device: { events: await flush(b, ME, ME, 'LAPTOP') } });
    assert.deepEqual(codesOf(got.decisions), ['secret_request.shared']);
    await answerClaim(a, ME, 'DESKTOP', pb.claim());
    const sent = await flush(a, ME, ME, 'DESKTOP');
    assert.equal(sent.length, 1);
    const accepted = await b.receiveSync({ to_device: { events: sent as OlmToDeviceEvent[] } });
    assert.deepEqual(codesOf(accepted.decisions), ['secret_send.accepted', 'secret.stored']);
    assert.deepEqual(await storedFacts(b), [{ name: BACKUP, source: 'secret_send', public_key: publicKey, request_id: second.requestId }]);
  });

  it('impersonation to confidentiality break: another user, our unverified device, or a device we never asked answering with a backup key of their own is refused, and nothing is stored', async () => {
    const mallory = await sim(MALLORY, 'EVIL');
    const phone = await sim(ME, 'PHONE');
    const late = await sim(ME, 'LATE');
    const { a, pa } = await pair({ extra: [mallory, phone, late] });
    const theirKey = Buffer.alloc(32, 66).toString('base64').replace(/=+$/, '');
    const asked = await a.requestSecret(BACKUP);
    assert.deepEqual(codesOf(asked.decisions), ['secret_request.requested']);
    const send = (from: SimDevice, requestId = asked.requestId) => from.encryptToDevice(pa.recipient(), 'm.secret.send', { request_id: requestId, secret: theirKey });
    // LATE is verified only after the request went out: it was never asked.
    await a.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'LATE', ed25519: late.ed25519 });
    const r = await a.receiveSync({
      to_device: { events: [send(mallory), send(phone), send(late), { type: 'm.secret.send', sender: ME, content: { request_id: asked.requestId, secret: theirKey } }] },
    });
    assert.deepEqual(r.toDeviceEvents.map((e) => (e.status === 'invalid' ? ['invalid'] : codesOf(e.decisions))), [
      ['secret_send.other_user'], ['secret_send.unverified_device'], ['secret_send.unasked_device'], ['secret.not_over_olm'],
    ]);
    // An unsolicited m.secret.send, even from a verified device we asked before.
    const unsolicited = await a.receiveSync({ to_device: { events: [send(late, 'made-up-id')] } });
    assert.deepEqual(codesOf(unsolicited.decisions), ['secret_send.unrequested']);
    assert.deepEqual(await storedFacts(a), []);
    // Replayed from the log alone: the same state, and the same refusals, re-decided.
    const replayed = await a.replay();
    assert.equal(a.stateHash(replayed.state), a.stateHash());
    const redecided = (await a.decisions({})).map((d) => d.code).filter((c) => c.startsWith('secret_send.'));
    assert.deepEqual(redecided, ['secret_send.other_user', 'secret_send.unverified_device', 'secret_send.unasked_device', 'secret_send.unrequested']);
  });

  /** The `secret_stored` facts of a ledger's log. */
  async function storedFacts(ledger: Ledger): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const e of ledger.entries()) if (e.kind === 'secret_stored') out.push(e.payload);
    return out;
  }
});
