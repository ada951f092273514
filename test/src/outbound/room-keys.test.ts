/**
 * Our room keys, rule by rule: who gets the key under each sharing strategy (and who is
 * told `m.room_key.withheld`, with which code), and why the session rotates. Real olm
 * keys throughout: Bob's devices are testkit devices, which decrypt what they are sent.
 */
import { strict as assert } from 'node:assert';
import { openLedger, RoomKeyNotSharedError, type Ledger, type OutgoingRequest } from '../../../src/index.js';
import { SimDevice, SimUser, keysQueryResponse } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

const BOB = '@bob:example.org';
const ROOM = '!room:example.org';

type ToDevice = Extract<OutgoingRequest, { type: 'to_device' }>;
const toDevice = (requests: OutgoingRequest[], eventType: string) => requests.filter((r): r is ToDevice => r.type === 'to_device' && r.event_type === eventType);
const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);

describe('outbound: sharing our room keys, per device, and rotating them', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let bob: SimUser;
  let signed: SimDevice;
  let plain: SimDevice;
  let clock: number;
  beforeEach(async () => {
    dir = tempDir();
    clock = 1_700_000_000_000;
    ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now: () => clock });
    bob = await SimUser.create(BOB);
    signed = await bob.addDevice('BOBSIGNED');
    plain = await SimDevice.create(BOB, 'BOBPLAIN');
    await ledger.ingest({ kind: 'keys_query', response: listing() });
  });
  afterEach(async () => {
    plain.free();
    bob.free();
    await ledger.close();
    dir.cleanup();
  });

  /** Bob's identity with BOBSIGNED cross-signed and BOBPLAIN listed without it. */
  function listing(devices: SimDevice[] = [signed, plain]) {
    const response = keysQueryResponse({ users: [{ user: bob, devices: devices.filter((d) => d !== plain) }] });
    if (devices.includes(plain)) response.device_keys[BOB]![plain.deviceId] = plain.deviceKeys();
    return response;
  }

  /** Answers the pending keys_claim with one-time keys of `devices`; returns the requests made then. */
  async function answerClaim(devices: SimDevice[]): Promise<{ decisions: { code: string }[]; requests: OutgoingRequest[] }> {
    const claim = ledger.outgoingRequests().find((r) => r.type === 'keys_claim');
    assert.ok(claim, 'a keys_claim is pending');
    const before = new Set(ledger.outgoingRequests().map((r) => r.id));
    const keys: Record<string, unknown> = {};
    for (const d of devices) keys[d.deviceId] = d.oneTimeKeys(1);
    const r = await ledger.markRequestAsSent(claim.id, 'keys_claim', { one_time_keys: { [BOB]: keys }, failures: {} });
    return { decisions: r.decisions, requests: ledger.outgoingRequests().filter((q) => !before.has(q.id)) };
  }

  /** What a device decrypts from the to_device request addressed to it. */
  function received(device: SimDevice, request: ToDevice) {
    const content = request.body.messages[BOB]![device.deviceId] as { sender_key: string; ciphertext: Record<string, { type: number; body: string }> };
    return device.decryptToDevice({ content });
  }

  it('room_key_share.shared, after room_key_share.awaiting_session: the key is claimed for, then sent; the device decrypts an m.room_key for the session we encrypt with', async () => {
    const share = await ledger.shareRoomKey(ROOM, [BOB]);
    assert.deepEqual(codes(share), ['megolm_out.session_created', 'room_key_share.awaiting_session', 'room_key_share.awaiting_session', 'room_key.own']);
    assert.deepEqual(share.requests.map((r) => r.type), ['keys_claim']);
    const answered = await answerClaim([signed, plain]);
    assert.deepEqual(codes(answered), ['keys_claim.accepted', 'keys_claim.accepted', 'room_key_share.shared', 'room_key_share.shared']);
    const [keys] = toDevice(answered.requests, 'm.room.encrypted');
    const got = received(signed, keys!);
    const payload = JSON.parse(got.plaintext) as { type: string; content: { room_id: string; session_id: string; session_key: string } };
    assert.equal(payload.type, 'm.room_key');
    const event = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { body: 'hi' });
    assert.equal(payload.content.session_id, event.session_id);
    assert.equal(payload.content.room_id, ROOM);
    // The key itself is in the vault only: no entry of the log holds it.
    assert.equal(JSON.stringify(await ledger.entries()).includes(payload.content.session_key), false);
    // Shared again: nobody lacks the key, nothing is sent.
    const again = await ledger.shareRoomKey(ROOM, [BOB]);
    assert.deepEqual([codes(again), again.requests], [[], []]);
  });

  it('room_key_share.unverified: under "verified" an unverified device gets m.room_key.withheld with m.unverified, and no key', async () => {
    const share = await ledger.shareRoomKey(ROOM, [BOB], { strategy: 'verified' });
    assert.deepEqual(codes(share).filter((c) => c.startsWith('room_key_share.')), ['room_key_share.unverified', 'room_key_share.unverified']);
    assert.deepEqual(share.requests.map((r) => [r.type, (r as ToDevice).event_type]), [['to_device', 'm.room_key.withheld']]);
    const [notice] = toDevice(share.requests, 'm.room_key.withheld');
    const content = notice!.body.messages[BOB]!['BOBPLAIN'] as { code: string; room_id: string; session_id: string };
    const event = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { body: 'secret' });
    assert.deepEqual([content.code, content.room_id, content.session_id], ['m.unverified', ROOM, event.session_id]);
    assert.equal(toDevice(ledger.outgoingRequests(), 'm.room.encrypted').length, 0, 'no room key went anywhere');
  });

  it('room_key_share.not_cross_signed: under "cross_signed" the device its owner did not sign is withheld, the signed one awaits its session', async () => {
    const share = await ledger.shareRoomKey(ROOM, [BOB], { strategy: 'cross_signed' });
    const perDevice = share.decisions.filter((d) => d.code.startsWith('room_key_share.')).map((d) => [d.code, d.subject]);
    assert.deepEqual(perDevice, [['room_key_share.not_cross_signed', `device ${BOB} BOBPLAIN`], ['room_key_share.awaiting_session', `device ${BOB} BOBSIGNED`]]);
  });

  it('room_key_share.blocked: a device whose keys changed never gets the key, whatever the strategy (m.blacklisted)', async () => {
    const impostor = await SimDevice.create(BOB, 'BOBPLAIN');
    try {
      await ledger.ingest({ kind: 'keys_query', response: (() => { const r = listing([signed]); r.device_keys[BOB]!['BOBPLAIN'] = impostor.deviceKeys(); return r; })() });
      const share = await ledger.shareRoomKey(ROOM, [BOB], { strategy: 'all' });
      const blocked = share.decisions.filter((d) => d.code === 'room_key_share.blocked');
      assert.deepEqual(blocked.map((d) => [d.subject, d.detail?.['withheld']]), [[`device ${BOB} BOBPLAIN`, 'm.blacklisted']]);
      const claim = share.requests.find((r) => r.type === 'keys_claim');
      assert.deepEqual(claim?.body, { one_time_keys: { [BOB]: { BOBSIGNED: 'signed_curve25519' } } }, 'no one-time key is claimed for it');
    } finally {
      impostor.free();
    }
  });

  it('room_key_share.identity_changed: no device of a user whose identity changed unapproved gets the key', async () => {
    bob.rotateMaster();
    await ledger.ingest({ kind: 'keys_query', response: listing() });
    const share = await ledger.shareRoomKey(ROOM, [BOB], { strategy: 'all' });
    assert.deepEqual(codes(share).filter((c) => c.startsWith('room_key_share.')), ['room_key_share.identity_changed', 'room_key_share.identity_changed']);
    assert.equal(share.requests.some((r) => r.type === 'keys_claim'), false);
  });

  it('room_key_share.no_olm: a device the server gives no one-time key for is told m.no_olm', async () => {
    await ledger.shareRoomKey(ROOM, [BOB]);
    const answered = await answerClaim([signed]);
    assert.deepEqual(codes(answered), ['keys_claim.accepted', 'room_key_share.no_olm', 'room_key_share.shared']);
    const [notice] = toDevice(answered.requests, 'm.room_key.withheld');
    assert.deepEqual(notice!.body.messages[BOB]!['BOBPLAIN'], {
      algorithm: 'm.megolm.v1.aes-sha2', sender_key: ledger.owner.curve25519, code: 'm.no_olm', reason: 'Unable to establish a secure channel.',
    });
  });

  it('room_key_share.no_olm_already_sent: m.no_olm goes to a device once; failing again, it is not told again until an Olm session was made', async () => {
    await ledger.shareRoomKey(ROOM, [BOB]);
    await answerClaim([signed]);
    await ledger.markRequestAsSent(toDevice(ledger.outgoingRequests(), 'm.room_key.withheld')[0]!.id, 'to_device', {});
    // A second room, and the first again: the key is claimed for BOBPLAIN anew, and the server has none again.
    const again = await ledger.shareRoomKey('!other:example.org', [BOB]);
    assert.ok(codes(again).includes('room_key_share.awaiting_session'));
    const answered = await answerClaim([]);
    assert.deepEqual(codes(answered).filter((c) => c.startsWith('room_key_share.')), ['room_key_share.no_olm_already_sent']);
    const told = answered.decisions.find((d) => d.code === 'room_key_share.no_olm_already_sent') as { subject: string } | undefined;
    assert.equal(told?.subject, `device ${BOB} BOBPLAIN`);
    assert.deepEqual(toDevice(ledger.outgoingRequests(), 'm.room_key.withheld'), [], 'no second m.no_olm');
  });

  it('noOlmTold: an m.no_olm told counts only while no Olm session with the device was made since', async () => {
    const { noOlmTold } = await import('../../../projections/outbound/room-keys.js');
    const { initialOutbound } = await import('../../../projections/outbound/state.js');
    const { hmSet } = await import('../../../projections/hashmap.js');
    const state = initialOutbound();
    assert.equal(noOlmTold(state, 'KEY'), null);
    hmSet(state.noOlm, 'KEY', { seq: 7, sessionSeq: null });
    assert.deepEqual(noOlmTold(state, 'KEY'), { seq: 7, sessionSeq: null });
    hmSet(state.sessions, 'KEY', { seq: 9 });
    assert.equal(noOlmTold(state, 'KEY'), null, 'a session made since: it may be told again');
  });

  it('megolm_out.no_session: nothing is encrypted in a room we never shared a key in', async () => {
    await assert.rejects(ledger.encryptRoomEvent(ROOM, 'm.room.message', {}), (e: unknown) => e instanceof RoomKeyNotSharedError && e.reason === 'megolm_out.no_session');
  });

  it('megolm_out.rotate_period_msgs: after rotation_period_msgs events the session is expired, and the next share rotates it', async () => {
    await ledger.shareRoomKey(ROOM, [BOB], { rotationPeriodMsgs: 2 });
    await answerClaim([signed, plain]);
    const first = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { n: 1 });
    await ledger.encryptRoomEvent(ROOM, 'm.room.message', { n: 2 });
    await assert.rejects(ledger.encryptRoomEvent(ROOM, 'm.room.message', { n: 3 }), (e: unknown) => e instanceof RoomKeyNotSharedError && e.reason === 'megolm_out.session_expired');
    const share = await ledger.shareRoomKey(ROOM, [BOB], { rotationPeriodMsgs: 2 });
    assert.deepEqual(codes(share), ['megolm_out.rotate_period_msgs', 'room_key.own', 'room_key_share.shared', 'room_key_share.shared']);
    const next = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { n: 3 });
    assert.notEqual(next.session_id, first.session_id);
  });

  it('megolm_out.rotate_period_ms: a session older than rotation_period_ms is rotated at the next share', async () => {
    await ledger.shareRoomKey(ROOM, [], { rotationPeriodMs: 1000 });
    clock += 999;
    assert.deepEqual(codes(await ledger.shareRoomKey(ROOM, [], { rotationPeriodMs: 1000 })), []);
    clock += 1;
    assert.deepEqual(codes(await ledger.shareRoomKey(ROOM, [], { rotationPeriodMs: 1000 })), ['megolm_out.rotate_period_ms', 'room_key.own']);
  });

  it('megolm_out.rotate_device_removed: a device holding the key that /keys/query no longer lists causes a rotation', async () => {
    await ledger.shareRoomKey(ROOM, [BOB]);
    await answerClaim([signed, plain]);
    await ledger.ingest({ kind: 'keys_query', response: listing([signed]) });
    const share = await ledger.shareRoomKey(ROOM, [BOB]);
    const rotated = share.decisions.find((d) => d.code === 'megolm_out.rotate_device_removed');
    assert.equal(rotated?.detail?.['device_id'], 'BOBPLAIN');
    assert.deepEqual(codes(share).filter((c) => c.startsWith('room_key_share.')), ['room_key_share.shared'], 'the new session goes to the device still listed only');
  });

  it('megolm_out.rotate_member_left: a user who held the key and is no longer a member causes a rotation', async () => {
    await ledger.shareRoomKey(ROOM, [BOB]);
    await answerClaim([signed, plain]);
    const share = await ledger.shareRoomKey(ROOM, []);
    assert.deepEqual(codes(share), ['megolm_out.rotate_member_left', 'room_key.own']);
  });

  it('megolm_out.rotate_trust_dropped: a device that held the key and falls below a stricter strategy causes a rotation', async () => {
    await ledger.shareRoomKey(ROOM, [BOB]);
    await answerClaim([signed, plain]);
    const share = await ledger.shareRoomKey(ROOM, [BOB], { strategy: 'cross_signed' });
    assert.equal(share.decisions[0]?.code, 'megolm_out.rotate_trust_dropped');
    assert.equal(share.decisions[0]?.detail?.['device_id'], 'BOBPLAIN');
  });

  it('megolm_out.rotate_device_blocked: a device that held the key and is blocked now causes a rotation', async () => {
    await ledger.shareRoomKey(ROOM, [BOB]);
    await answerClaim([signed, plain]);
    const impostor = await SimDevice.create(BOB, 'BOBPLAIN');
    try {
      const r = listing([signed]);
      r.device_keys[BOB]!['BOBPLAIN'] = impostor.deviceKeys();
      await ledger.ingest({ kind: 'keys_query', response: r });
      const share = await ledger.shareRoomKey(ROOM, [BOB]);
      assert.equal(share.decisions[0]?.code, 'megolm_out.rotate_device_blocked');
    } finally {
      impostor.free();
    }
  });

  it('megolm_out.rotate_discarded: discardRoomKey rotates at the next share; our own messages decrypt in both sessions', async () => {
    await ledger.shareRoomKey(ROOM, []);
    const first = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { body: 'one' });
    assert.equal(await ledger.discardRoomKey(ROOM), true);
    assert.equal(await ledger.discardRoomKey(ROOM), false);
    await assert.rejects(ledger.encryptRoomEvent(ROOM, 'm.room.message', {}), (e: unknown) => e instanceof RoomKeyNotSharedError && e.reason === 'megolm_out.session_expired');
    assert.deepEqual(codes(await ledger.shareRoomKey(ROOM, [])), ['room_key.own']);
    const second = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { body: 'two' });
    assert.notEqual(first.session_id, second.session_id);
    for (const [i, content] of [first, second].entries()) {
      const event = { event_id: `$e${i}`, sender: '@me:example.org', origin_server_ts: 1, type: 'm.room.encrypted', content };
      const read = await ledger.decryptRoomEvent(ROOM, event);
      assert.deepEqual(read.plaintext?.content, { body: i === 0 ? 'one' : 'two' });
    }
    assert.equal((await ledger.decisions({ code: 'megolm_out.rotate_discarded' })).length, 1);
  });
});
