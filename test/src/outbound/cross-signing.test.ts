/**
 * Our own cross-signing identity, end to end through the in-memory homeserver (real olm
 * keys and signatures, checked by the identities slice when /keys/query comes back):
 * bootstrap and its two uploads, own identity trust, importing private keys on a second
 * device of ours, signing a device of ours and another user's master key, each refusal
 * with its code, signature_upload failures judged, and restarts keeping pending requests.
 */
import { strict as assert } from 'node:assert';
import {
  CrossSigningRefusedError, deviceTrust, identityState, openLedger, type Ledger, type OutgoingRequest,
} from '../../../src/index.js';
import { SimDevice } from '../../../src/testkit/index.js';
import { loadOlm } from '../../../src/crypto/olm.js';
import { CrossSigningKey } from '../../../src/crypto/cross-signing.js';
import { InMemoryHomeserver } from '../../helpers/homeserver.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';
const BOB = '@bob:example.org';

type Dir = ReturnType<typeof tempDir>;

/** A ledger's loop, until nothing is pending: sync, then send every request and mark it sent. */
async function turn(ledger: Ledger, server: InMemoryHomeserver, userId: string, deviceId: string): Promise<void> {
  await ledger.receiveSync(server.sync(userId, deviceId));
  await sendAll(ledger, server, userId, deviceId);
}

async function sendAll(ledger: Ledger, server: InMemoryHomeserver, userId: string, deviceId: string): Promise<void> {
  for (let round = 0; round < 5 && ledger.outgoingRequests().length > 0; round++) {
    for (const request of ledger.outgoingRequests()) {
      await ledger.markRequestAsSent(request.id, request.type, server.handle(userId, deviceId, request as never));
    }
  }
}

/** The private seed of a role, as the ledger holds it (internal: never on the public API). */
function seedOf(ledger: Ledger, role: 'master' | 'self_signing' | 'user_signing'): string {
  return (ledger as unknown as { requests: { crossSigner: { seeds: { get(r: string): string | undefined } } } }).requests.crossSigner.seeds.get(role)!;
}

const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);

describe('outbound: our own cross-signing identity', function () {
  this.timeout(60_000);
  const dirs: Dir[] = [];
  const ledgers: Ledger[] = [];
  async function open(userId: string, deviceId: string, dir: Dir = tempDir()): Promise<Ledger> {
    if (!dirs.includes(dir)) dirs.push(dir);
    const ledger = await openLedger({ path: dir.path, userId, deviceId, unencryptedVault: true });
    ledgers.push(ledger);
    return ledger;
  }
  afterEach(async () => {
    for (const l of ledgers.splice(0)) await l.close().catch(() => undefined);
    for (const d of dirs.splice(0)) d.cleanup();
  });

  /** A ledger of ours, its device keys on the server, tracking our own user. */
  async function ours(server: InMemoryHomeserver, deviceId: string, track: string[] = [ME]): Promise<Ledger> {
    const ledger = await open(ME, deviceId);
    await ledger.updateTrackedUsers(track);
    await turn(ledger, server, ME, deviceId);
    await turn(ledger, server, ME, deviceId);
    return ledger;
  }

  it('bootstrap: two requests (device_signing_upload, then signature_upload), seeds sealed in the vault and never in the log; own_identity.trusted once the server lists them', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ours(server, 'ME1');
    const { keys, requests, decisions } = await ledger.bootstrapCrossSigning();
    assert.deepEqual(requests.map((r) => [r.type, r.method, r.path]), [
      ['device_signing_upload', 'POST', '/_matrix/client/v3/keys/device_signing/upload'],
      ['signature_upload', 'POST', '/_matrix/client/v3/keys/signatures/upload'],
    ]);
    assert.ok(codes({ decisions }).includes('own_cross_signing.keys_held'));
    const upload = requests[0]! as Extract<OutgoingRequest, { type: 'device_signing_upload' }>;
    assert.deepEqual(upload.body.master_key.keys, { [`ed25519:${keys.master}`]: keys.master });
    assert.deepEqual(upload.body.self_signing_key.usage, ['self_signing']);
    assert.deepEqual(Object.keys(upload.body.user_signing_key.signatures![ME]!), [`ed25519:${keys.master}`]);
    const signatures = requests[1]! as Extract<OutgoingRequest, { type: 'signature_upload' }>;
    assert.deepEqual(Object.keys(signatures.body[ME]!).sort(), ['ME1', keys.master].sort());
    // The requests are pending, in order.
    assert.deepEqual(ledger.outgoingRequests().map((r) => r.id), requests.map((r) => r.id));
    // Not trusted until the server lists our identity.
    assert.equal(ledger.crossSigningStatus().trusted, false);
    assert.deepEqual(ledger.crossSigningStatus().held?.source, 'bootstrap');

    await sendAll(ledger, server, ME, 'ME1');
    const all = await ledger.decisions();
    assert.ok(all.some((d) => d.code === 'device_signing_upload.accepted'));
    assert.equal(all.filter((d) => d.code === 'signature_upload.accepted').length, 2);
    await turn(ledger, server, ME, 'ME1');
    const status = ledger.crossSigningStatus();
    assert.equal(status.trusted, true);
    assert.equal(status.reason, 'own_identity.trusted');
    assert.deepEqual(status.published, { master: keys.master, selfSigning: keys.selfSigning, userSigning: keys.userSigning });
    assert.deepEqual(status.privateKeys, { master: true, selfSigning: true, userSigning: true });
    assert.ok((await ledger.decisions()).some((d) => d.code === 'own_identity.trusted'));
    assert.equal(identityState(ledger.state(), ME), 'verified');
    // The slice checked the subkeys' signatures by the master key (real ed25519).
    assert.ok((await ledger.decisions()).some((d) => d.code === 'cross_signing.subkey_accepted' && d.detail?.role === 'self_signing' && d.detail?.key === keys.selfSigning));

    // No seed anywhere in the log.
    const text = JSON.stringify(await ledger.entries());
    for (const role of ['master', 'self_signing', 'user_signing'] as const) {
      const seed = seedOf(ledger, role);
      assert.equal(seed.length, 43);
      assert.ok(!text.includes(seed), `the ${role} seed is not in the log`);
    }
  });

  it('a second device of ours: cross-signed by the first one\'s bootstrap it is cross_signed_tofu until it imports the keys, then own_identity.trusted and the first device verified', async () => {
    const server = new InMemoryHomeserver();
    const first = await ours(server, 'ME1');
    const second = await ours(server, 'ME2');
    const { keys } = await first.bootstrapCrossSigning();
    await sendAll(first, server, ME, 'ME1');
    await turn(second, server, ME, 'ME2');
    assert.equal(deviceTrust(second.state(), ME, 'ME1').level, 'cross_signed_tofu');
    assert.equal(second.crossSigningStatus().trusted, false);

    // A wrong key: refused with its code, nothing kept.
    const olm = await loadOlm();
    const stranger = CrossSigningKey.generate(olm);
    await assert.rejects(second.importCrossSigningKeys({ master: stranger.exportSeed() }, 'secret_storage'), (err: unknown) =>
      err instanceof CrossSigningRefusedError && err.reason === 'own_cross_signing.import_mismatch' && !err.message.includes(stranger.exportSeed()));
    stranger.free();
    assert.equal(second.crossSigningStatus().held, null);
    // Not a seed at all: refused and logged as such, its text nowhere in the log.
    await assert.rejects(second.importCrossSigningKeys({ master: 'not a key' }, 'import'), (err: unknown) =>
      err instanceof CrossSigningRefusedError && err.reason === 'own_cross_signing.import_mismatch');
    assert.ok(!JSON.stringify(await second.entries()).includes('not a key'));

    const r = await second.importCrossSigningKeys(
      { master: seedOf(first, 'master'), selfSigning: seedOf(first, 'self_signing'), userSigning: seedOf(first, 'user_signing') }, 'secret_send',
    );
    assert.ok(codes(r).includes('own_cross_signing.keys_held'));
    assert.ok(codes(r).includes('own_identity.trusted'));
    assert.deepEqual(second.crossSigningStatus().held, { master: keys.master, selfSigning: keys.selfSigning, userSigning: keys.userSigning, source: 'secret_send', seq: second.crossSigningStatus().held!.seq });
    assert.deepEqual(deviceTrust(second.state(), ME, 'ME1'), { level: 'verified', reason: 'cross_signed.verified_identity', seq: deviceTrust(second.state(), ME, 'ME1').seq });

    // The second device signs itself with the imported self-signing key; the first sees it cross-signed and verified.
    const { request } = await second.crossSignDevice('ME2');
    assert.equal(request.type, 'signature_upload');
    await sendAll(second, server, ME, 'ME2');
    await turn(first, server, ME, 'ME1');
    assert.equal(deviceTrust(first.state(), ME, 'ME2').level, 'verified');
    assert.equal(deviceTrust(first.state(), ME, 'ME2').reason, 'cross_signed.verified_identity');
  });

  it('own_cross_signing.import_no_identity: keys offered before any /keys/query listed ours are refused', async () => {
    const ledger = await open(ME, 'ME1');
    const olm = await loadOlm();
    const key = CrossSigningKey.generate(olm);
    await assert.rejects(ledger.importCrossSigningKeys({ selfSigning: key.exportSeed() }, 'secret_storage'), (err: unknown) =>
      err instanceof CrossSigningRefusedError && err.reason === 'own_cross_signing.import_no_identity');
    key.free();
    assert.ok((await ledger.decisions()).some((d) => d.code === 'own_cross_signing.import_no_identity' && d.outcome === 'rejected'));
  });

  it('cross_sign refusals: no private key, unknown device, unknown identity, key-ID collision', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ours(server, 'ME1');
    await assert.rejects(ledger.crossSignDevice('ME1'), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.no_private_key');
    await assert.rejects(ledger.crossSignUser(BOB), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.no_private_key');
    const { keys } = await ledger.bootstrapCrossSigning();
    await sendAll(ledger, server, ME, 'ME1');
    await turn(ledger, server, ME, 'ME1');
    await assert.rejects(ledger.crossSignDevice('NOPE'), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.unknown_device');
    await assert.rejects(ledger.crossSignUser(BOB), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.unknown_identity');
    // A device of ours whose ID is our master public key (a server that lets it through).
    const evil = await SimDevice.create(ME, keys.master);
    server.handle(ME, keys.master, { type: 'keys_upload', body: { device_keys: evil.deviceKeys() as never, one_time_keys: {} } });
    await turn(ledger, server, ME, 'ME1');
    await assert.rejects(ledger.crossSignDevice(keys.master), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.key_id_collision');
    evil.free();
    // Each refusal is a logged decision.
    const refused = (await ledger.decisions()).filter((d) => d.code.startsWith('cross_sign.')).map((d) => d.code);
    assert.deepEqual(refused, ['cross_sign.no_private_key', 'cross_sign.no_private_key', 'cross_sign.unknown_device', 'cross_sign.unknown_identity', 'cross_sign.key_id_collision']);
  });

  /** Bob and we each have a cross-signing identity on one server, and we have queried Bob's. */
  async function meAndBob() {
    const server = new InMemoryHomeserver();
    const me = await ours(server, 'ME1', [ME, BOB]);
    const bob = await open(BOB, 'BOB1');
    await bob.updateTrackedUsers([BOB]);
    await turn(bob, server, BOB, 'BOB1');
    const bobKeys = (await bob.bootstrapCrossSigning()).keys;
    await sendAll(bob, server, BOB, 'BOB1');
    await me.bootstrapCrossSigning();
    await sendAll(me, server, ME, 'ME1');
    await turn(me, server, ME, 'ME1');
    return { server, me, bob, bobKeys };
  }

  it('crossSignUser: our user-signing key signs Bob\'s pinned master key; once the server shows it, Bob is verified (cross_signing.user_signed)', async () => {
    const { server, me, bob, bobKeys } = await meAndBob();
    assert.equal(identityState(me.state(), BOB), 'pinned');
    const { request, decisions } = await me.crossSignUser(BOB);
    assert.ok(codes({ decisions }).includes('cross_sign.user_signed'));
    const body = (request as Extract<OutgoingRequest, { type: 'signature_upload' }>).body;
    assert.deepEqual(Object.keys(body), [BOB]);
    assert.deepEqual(Object.keys(body[BOB]!), [bobKeys.master]);
    await sendAll(me, server, ME, 'ME1');
    await turn(me, server, ME, 'ME1');
    assert.equal(identityState(me.state(), BOB), 'verified');
    assert.ok((await me.decisions()).some((d) => d.code === 'cross_signing.user_signed' && d.subject === `user ${BOB}`));
    // Bob's own view never shows our user-signing signature (the server hides it), and his identity stays his.
    await turn(bob, server, BOB, 'BOB1');
    assert.equal(bob.crossSigningStatus().trusted, true);
  });

  it('own_identity.master_mismatch: another device resets our identity; ours is no longer trusted, our devices are no longer verified through it, and we sign nothing with the old keys', async () => {
    const server = new InMemoryHomeserver();
    const first = await ours(server, 'ME1');
    const second = await ours(server, 'ME2');
    await first.bootstrapCrossSigning();
    await sendAll(first, server, ME, 'ME1');
    await turn(first, server, ME, 'ME1');
    await turn(second, server, ME, 'ME2');
    const { request } = await first.crossSignDevice('ME2');
    assert.equal(request.type, 'signature_upload');
    await sendAll(first, server, ME, 'ME1');
    await turn(first, server, ME, 'ME1');
    assert.equal(deviceTrust(first.state(), ME, 'ME2').level, 'verified');
    assert.equal(first.crossSigningStatus().trusted, true);

    // The second device makes a new identity.
    const reset = await second.bootstrapCrossSigning();
    await sendAll(second, server, ME, 'ME2');
    await turn(first, server, ME, 'ME1');
    const status = first.crossSigningStatus();
    assert.equal(status.trusted, false);
    assert.equal(status.reason, 'own_identity.master_mismatch');
    assert.equal(status.published.master, reset.keys.master);
    assert.deepEqual(status.privateKeys, { master: false, selfSigning: false, userSigning: false });
    const flagged = (await first.decisions()).filter((d) => d.code === 'own_identity.master_mismatch');
    assert.equal(flagged.length, 1);
    assert.equal(flagged[0]!.outcome, 'flagged');
    assert.equal(flagged[0]!.detail?.listed, reset.keys.master);
    assert.notEqual(identityState(first.state(), ME), 'verified');
    assert.notEqual(deviceTrust(first.state(), ME, 'ME2').level, 'verified');
    // Our self-signing key is not the one listed now: signing with it is refused.
    await assert.rejects(first.crossSignDevice('ME2'), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.no_private_key');
  });

  it('cross_sign.key_id_collision: a user with a device whose ID is one of their cross-signing keys is not signed', async () => {
    const { server, me, bobKeys } = await meAndBob();
    const evil = await SimDevice.create(BOB, bobKeys.selfSigning);
    server.handle(BOB, bobKeys.selfSigning, { type: 'keys_upload', body: { device_keys: evil.deviceKeys() as never, one_time_keys: {} } });
    evil.free();
    await turn(me, server, ME, 'ME1');
    await assert.rejects(me.crossSignUser(BOB), (e: unknown) => e instanceof CrossSigningRefusedError && e.reason === 'cross_sign.key_id_collision');
    const refused = (await me.decisions()).find((d) => d.code === 'cross_sign.key_id_collision');
    assert.equal(refused?.subject, `user ${BOB}`);
    assert.equal(refused?.detail?.device_id, bobKeys.selfSigning);
    assert.deepEqual(me.outgoingRequests(), []);
  });

  it('a cross_signing input given by hand is judged but makes nothing: no key leaves the vault without the API', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ours(server, 'ME1');
    const judged = await ledger.ingest({ kind: 'cross_signing', action: 'import', source: 'import', master: 'AAAA' });
    assert.deepEqual(codes(judged), ['own_cross_signing.import_no_identity']);
    await assert.rejects(ledger.ingestUnknown({ kind: 'cross_signing', action: 'sign_device' }), (e: unknown) => (e as Error).name === 'InputDecodeError');
    const entries = await ledger.entries();
    assert.ok(entries.some((e) => e.kind === 'rejected_input'));
    assert.ok(!entries.some((e) => e.kind === 'own_cross_signing_keys'));
    assert.deepEqual(ledger.outgoingRequests(), []);
  });

  it('signature_upload.failed: each failure the server lists is a decision with its errcode', async () => {
    const server = new InMemoryHomeserver();
    const ledger = await ours(server, 'ME1');
    const { requests, keys } = await ledger.bootstrapCrossSigning();
    await ledger.markRequestAsSent(requests[0]!.id, requests[0]!.type, {});
    const r = await ledger.markRequestAsSent(requests[1]!.id, 'signature_upload', {
      failures: { [ME]: { ME1: { errcode: 'M_INVALID_SIGNATURE', error: 'Invalid signature' } } },
    });
    const failed = r.decisions.filter((d) => d.code === 'signature_upload.failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.outcome, 'rejected');
    assert.equal(failed[0]!.detail?.errcode, 'M_INVALID_SIGNATURE');
    assert.equal(failed[0]!.detail?.key_id, 'ME1');
    assert.deepEqual(r.decisions.filter((d) => d.code === 'signature_upload.accepted').map((d) => d.detail?.key_id), [keys.master]);
    assert.deepEqual(ledger.outgoingRequests(), []);
    // A response to no pending request.
    const again = await ledger.markRequestAsSent(requests[1]!.id, 'signature_upload', {});
    assert.deepEqual(codes(again), ['request.unknown_response']);
  });

  it('pending cross-signing and room requests survive a restart and are marked sent after it', async () => {
    const dir = tempDir();
    let ledger = await open(ME, 'ME1', dir);
    const { requests } = await ledger.bootstrapCrossSigning();
    const message = await ledger.sendRoomMessage('!room:example.org', 'm.room.message', { body: 'hello' }, { encrypted: false });
    await ledger.close();
    ledger = await open(ME, 'ME1', dir);
    assert.deepEqual(ledger.outgoingRequests().map((r) => [r.id, r.type]), [...requests, message].map((r) => [r.id, r.type]));
    assert.deepEqual(ledger.outgoingRequests()[2], message);
    // The seeds came back from the vault.
    assert.equal(seedOf(ledger, 'master').length, 43);
    for (const r of ledger.outgoingRequests()) await ledger.markRequestAsSent(r.id, r.type, r.type === 'room_message' ? { event_id: '$e1' } : {});
    assert.deepEqual(ledger.outgoingRequests(), []);
    const sent = (await ledger.decisions()).find((d) => d.code === 'room_message.sent');
    assert.equal(sent?.detail?.event_id, '$e1');
  });

  it('room_message: as is in a room without our session (path, body); encrypted when the room has one, and another ledger decrypts it', async () => {
    const server = new InMemoryHomeserver();
    const ROOM = '!room:example.org';
    const alice = await open('@alice:example.org', 'ALICE');
    const bob = await open(BOB, 'BOB1');
    await alice.updateTrackedUsers([BOB]);
    await bob.updateTrackedUsers(['@alice:example.org']);
    for (let i = 0; i < 3; i++) {
      await turn(alice, server, '@alice:example.org', 'ALICE');
      await turn(bob, server, BOB, 'BOB1');
    }
    const plain = await alice.sendRoomMessage('!plain:example.org', 'm.room.message', { body: 'in the clear' });
    assert.equal(plain.type, 'room_message');
    assert.equal(plain.method, 'PUT');
    assert.equal(plain.path, `/_matrix/client/v3/rooms/${encodeURIComponent('!plain:example.org')}/send/m.room.message/${encodeURIComponent((plain as { txn_id: string }).txn_id)}`);
    assert.deepEqual(plain.body, { body: 'in the clear' });
    const queued = (await alice.decisions()).filter((d) => d.code === 'room_message.queued');
    assert.deepEqual(queued.map((d) => [d.detail?.request_id, d.detail?.room_id, d.detail?.event_type]), [[plain.id, '!plain:example.org', 'm.room.message']]);
    // Asked to encrypt where there is no session: refused, nothing sent in the clear.
    await assert.rejects(alice.sendRoomMessage(ROOM, 'm.room.message', { body: 'secret' }, { encrypted: true }), (e: unknown) => (e as Error).name === 'RoomKeyNotSharedError' || (e as { code?: string }).code === 'room_key.not_shared');
    await alice.shareRoomKey(ROOM, ['@alice:example.org', BOB]);
    await turn(alice, server, '@alice:example.org', 'ALICE');
    await turn(bob, server, BOB, 'BOB1');
    const secret = await alice.sendRoomMessage(ROOM, 'm.key.verification.request', { body: 'secret', msgtype: 'm.key.verification.request' });
    assert.equal((secret as { event_type: string }).event_type, 'm.room.encrypted');
    assert.ok(!JSON.stringify(await alice.entries()).includes('"body":"secret"'));
    await sendAll(alice, server, '@alice:example.org', 'ALICE');
    const events = server.rooms.get(ROOM)!;
    assert.equal(events.length, 1);
    const read = await bob.decryptRoomEvent(ROOM, events[0]!);
    assert.deepEqual(read.plaintext, { type: 'm.key.verification.request', content: { body: 'secret', msgtype: 'm.key.verification.request' } });
    const logged = (await alice.decisions()).filter((d) => d.code === 'room_message.sent' && d.detail?.room_id === ROOM).map((d) => d.detail?.event_id);
    assert.deepEqual(logged, [events[0]!.event_id]);
  });
});
