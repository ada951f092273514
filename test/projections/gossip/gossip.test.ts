/**
 * The gossip slice, given/when/then: who may ask us for keys and secrets, whose
 * `m.secret.send` we take. Real Olm payloads (testkit devices encrypt, our device
 * decrypts); each test names its code and checks nothing else was decided.
 */
import { strict as assert } from 'node:assert';
import { answersDue, heldSecret, secretRequest, secretsToStore, secretCancellationsDue } from '../../../projections/gossip/selectors.js';
import type { SimDevice, SimOutboundGroupSession } from '../../../src/testkit/index.js';
import { ALICE, BOB, codes, ME, MY_DEVICE, ROOM, World } from '../../helpers/slices.js';

const MEGOLM = 'm.megolm.v1.aes-sha2';

describe('gossip: incoming m.room_key_request', () => {
  let w: World;
  let laptop: SimDevice;
  let phone: SimDevice;
  let bob: SimDevice;
  let a1: SimDevice;
  let session: SimOutboundGroupSession;

  beforeEach(async () => {
    w = await World.create();
    const alice = await w.user(ALICE, 'A1');
    a1 = alice.devices.get('A1')!;
    const me = await w.user(ME, 'LAPTOP', 'PHONE');
    const b = await w.user(BOB, 'B1');
    laptop = me.devices.get('LAPTOP')!;
    phone = me.devices.get('PHONE')!;
    bob = b.devices.get('B1')!;
    w.ownDevices(me, [laptop, phone], [laptop]);
    w.keysQuery({ user: alice }, { user: b });
    session = a1.createOutboundSession(ROOM);
    assert.ok(codes(w.sendOlm(a1, 'm.room_key', session.roomKeyContent())).includes('room_key.accepted'));
  });
  afterEach(() => w.free());

  const request = (deviceId: string, sessionId: string, requestId = 'r1') => ({
    action: 'request', requesting_device_id: deviceId, request_id: requestId, body: { algorithm: MEGOLM, room_id: ROOM, session_id: sessionId, sender_key: a1.curve25519 },
  });

  it('key_request.shared: a verified own device asking for a session we hold is owed an m.forwarded_room_key', () => {
    assert.deepEqual(codes(w.toDevice('m.room_key_request', ME, request('LAPTOP', session.sessionId))), ['key_request.shared']);
    const due = answersDue(w.state);
    assert.equal(due.length, 1);
    assert.equal(due[0]!.what, 'forwarded_room_key');
    assert.equal(due[0]!.deviceId, 'LAPTOP');
  });

  it('key_request.other_user: another user asking is refused, and nothing is owed (not even a withheld notice)', () => {
    assert.deepEqual(codes(w.toDevice('m.room_key_request', BOB, request('B1', session.sessionId))), ['key_request.other_user']);
    assert.deepEqual(answersDue(w.state), []);
    void bob;
  });

  it('key_request.unverified_device: our own unverified device is refused and sent m.room_key.withheld m.unverified', () => {
    assert.deepEqual(codes(w.toDevice('m.room_key_request', ME, request('PHONE', session.sessionId))), ['key_request.unverified_device']);
    const due = answersDue(w.state);
    assert.deepEqual(due.map((d) => [d.what, d.what === 'room_key_withheld' ? d.withheld : null]), [['room_key_withheld', 'm.unverified']]);
    void phone;
  });

  it('key_request.unverified_device: a device the server never listed is refused with nothing sent', () => {
    assert.deepEqual(codes(w.toDevice('m.room_key_request', ME, request('GHOST', session.sessionId))), ['key_request.unverified_device']);
    assert.deepEqual(answersDue(w.state), []);
  });

  it('key_request.unknown_session: a verified device asking for a session we do not hold gets m.unavailable', () => {
    assert.deepEqual(codes(w.toDevice('m.room_key_request', ME, request('LAPTOP', 'no-such-session'))), ['key_request.unknown_session']);
    const due = answersDue(w.state);
    assert.deepEqual(due.map((d) => [d.what, d.what === 'room_key_withheld' ? d.withheld : null]), [['room_key_withheld', 'm.unavailable']]);
  });

  it('key_request.cancelled: a cancellation before we answered drops the answer we owed', () => {
    w.toDevice('m.room_key_request', ME, request('LAPTOP', session.sessionId));
    const d = w.toDevice('m.room_key_request', ME, { action: 'request_cancellation', requesting_device_id: 'LAPTOP', request_id: 'r1' });
    assert.deepEqual(codes(d), ['key_request.cancelled']);
    assert.deepEqual(answersDue(w.state), []);
  });

  it('a cancellation naming another device does not drop the answer (request ID and device go together)', () => {
    w.toDevice('m.room_key_request', ME, request('LAPTOP', session.sessionId));
    assert.deepEqual(codes(w.toDevice('m.room_key_request', ME, { action: 'request_cancellation', requesting_device_id: 'PHONE', request_id: 'r1' })), []);
    assert.equal(answersDue(w.state).length, 1);
  });

  it('a request over Olm is judged by the checked payload\'s sender (key_request.shared, key_request.other_user)', () => {
    assert.deepEqual(codes(w.sendOlm(laptop, 'm.room_key_request', request('LAPTOP', session.sessionId, 'o1'))), ['olm.payload_accepted', 'key_request.shared']);
    assert.deepEqual(codes(w.sendOlm(bob, 'm.room_key_request', request('B1', session.sessionId, 'o2'))).filter((c) => !c.startsWith('olm.')), ['key_request.other_user']);
    // A payload the olm slice discarded asks nothing.
    assert.deepEqual(codes(w.sendOlm(laptop, 'm.room_key_request', request('LAPTOP', session.sessionId, 'o3'), { plaintext: { recipient: '@mallory:example.org' } })).filter((c) => !c.startsWith('olm.')), []);
    assert.deepEqual(answersDue(w.state).map((a) => a.requestId), ['o1']);
  });

  it('a gossip_sent fact for the answer closes it', () => {
    w.toDevice('m.room_key_request', ME, request('LAPTOP', session.sessionId));
    w.append('gossip_sent', { input_seq: w.head, what: 'forwarded_room_key', request_id: 'r1', user_id: ME, device_ids: ['LAPTOP'], outgoing_id: 'x' });
    assert.deepEqual(answersDue(w.state), []);
  });
});

describe('gossip: secrets (m.secret.request, m.secret.send)', () => {
  let w: World;
  let laptop: SimDevice;
  let phone: SimDevice;
  let tablet: SimDevice;
  let bob: SimDevice;

  beforeEach(async () => {
    w = await World.create();
    const me = await w.user(ME, 'LAPTOP', 'PHONE', 'TABLET');
    const b = await w.user(BOB, 'B1');
    laptop = me.devices.get('LAPTOP')!;
    phone = me.devices.get('PHONE')!;
    tablet = me.devices.get('TABLET')!;
    bob = b.devices.get('B1')!;
    w.ownDevices(me, [laptop, phone, tablet], [laptop]);
    w.keysQuery({ user: b });
  });
  afterEach(() => w.free());

  const ask = (requestId = 'sr1', name = 'm.megolm_backup.v1') => w.action('send_secret_request', { name, request_id: requestId });
  const secretFor = (requestId: string) => ({ request_id: requestId, secret: Buffer.alloc(32, 7).toString('base64') });

  it('secret_request.requested: our request goes to our verified devices only', () => {
    assert.deepEqual(codes(ask()), ['secret_request.requested']);
    assert.deepEqual(secretRequest(w.state, 'sr1')!.asked.map((d) => d.deviceId), ['LAPTOP']);
  });

  it('secret_request.no_verified_device: with no other verified device nothing is asked', async () => {
    const lonely = await World.create();
    try {
      assert.deepEqual(codes(lonely.action('send_secret_request', { name: 'm.megolm_backup.v1', request_id: 'x' })), ['secret_request.no_verified_device']);
      assert.equal(secretRequest(lonely.state, 'x'), undefined);
    } finally {
      lonely.free();
    }
  });

  it('secret_send.accepted: over Olm, from the verified own device we asked, answering our request ID', () => {
    ask();
    assert.deepEqual(codes(w.sendOlm(laptop, 'm.secret.send', secretFor('sr1'))), ['olm.payload_accepted', 'secret_send.accepted']);
    assert.deepEqual(secretsToStore(w.state).map((s) => [s.requestId, s.name]), [['sr1', 'm.megolm_backup.v1']]);
  });

  it('secret_send.unrequested: a second answer to the same request is refused (a request is answered once)', () => {
    ask();
    w.sendOlm(laptop, 'm.secret.send', secretFor('sr1'));
    assert.deepEqual(codes(w.sendOlm(laptop, 'm.secret.send', secretFor('sr1'))), ['olm.payload_accepted', 'secret_send.unrequested']);
  });

  it('secret_send.unrequested: an unsolicited m.secret.send from our verified device is refused', () => {
    assert.deepEqual(codes(w.sendOlm(laptop, 'm.secret.send', secretFor('never-asked'))), ['olm.payload_accepted', 'secret_send.unrequested']);
    assert.deepEqual(secretsToStore(w.state), []);
  });

  it('secret_send.other_user: another user answering our request is refused (impersonation to confidentiality break)', () => {
    ask();
    const d = codes(w.sendOlm(bob, 'm.secret.send', secretFor('sr1')));
    assert.deepEqual(d.filter((c) => !c.startsWith('olm.')), ['secret_send.other_user']);
    assert.deepEqual(secretsToStore(w.state), []);
    assert.equal(secretRequest(w.state, 'sr1')!.fulfilledSeq, null, 'the request stays open for the honest answer');
  });

  it('secret_send.unverified_device: our own unverified device answering is refused', () => {
    ask();
    assert.deepEqual(codes(w.sendOlm(phone, 'm.secret.send', secretFor('sr1'))).filter((c) => !c.startsWith('olm.')), ['secret_send.unverified_device']);
    assert.deepEqual(secretsToStore(w.state), []);
  });

  it('secret_send.unasked_device: a device verified after we asked is not one we asked', () => {
    ask();
    w.action('verify_device', { user_id: ME, device_id: 'TABLET', ed25519: tablet.ed25519 });
    assert.deepEqual(codes(w.sendOlm(tablet, 'm.secret.send', secretFor('sr1'))), ['olm.payload_accepted', 'secret_send.unasked_device']);
    assert.deepEqual(secretsToStore(w.state), []);
  });

  it('secret_send.invalid_payload: a payload the olm slice discarded is not looked at', () => {
    ask();
    const d = codes(w.sendOlm(laptop, 'm.secret.send', secretFor('sr1'), { plaintext: { recipient: '@mallory:example.org' } }));
    assert.deepEqual(d.filter((c) => !c.startsWith('olm.')), ['secret_send.invalid_payload']);
  });

  it('a plaintext m.secret.send (secret.not_over_olm, the olm slice) does not answer our request', () => {
    ask();
    assert.deepEqual(codes(w.toDevice('m.secret.send', ME, secretFor('sr1'))), ['secret.not_over_olm']);
    assert.equal(secretRequest(w.state, 'sr1')!.fulfilledSeq, null);
  });

  it('after an accepted secret with two devices asked, a cancellation is due to the other one', () => {
    w.action('verify_device', { user_id: ME, device_id: 'TABLET', ed25519: tablet.ed25519 });
    ask();
    w.sendOlm(laptop, 'm.secret.send', secretFor('sr1'));
    assert.deepEqual(secretCancellationsDue(w.state).map((c) => c.requestId), ['sr1']);
    w.append('gossip_sent', { input_seq: w.head, what: 'secret_request_cancellation', request_id: 'sr1', user_id: ME, device_ids: ['TABLET'], outgoing_id: 'x' });
    assert.deepEqual(secretCancellationsDue(w.state), []);
  });

  describe('incoming m.secret.request', () => {
    const req = (deviceId: string, name = 'm.megolm_backup.v1', requestId = 'in1') => ({ action: 'request', name, requesting_device_id: deviceId, request_id: requestId });
    const stored = () => w.append('secret_stored', { name: 'm.megolm_backup.v1', source: 'user', public_key: null, request_id: null });

    it('secret_request.shared: a verified own device asking for a secret we hold is owed an m.secret.send', () => {
      stored();
      assert.ok(heldSecret(w.state, 'm.megolm_backup.v1'));
      assert.deepEqual(codes(w.toDevice('m.secret.request', ME, req('LAPTOP'))), ['secret_request.shared']);
      assert.deepEqual(answersDue(w.state).map((a) => [a.what, a.deviceId]), [['secret_send', 'LAPTOP']]);
    });

    it('secret_request.other_user: refused, nothing owed', () => {
      stored();
      assert.deepEqual(codes(w.toDevice('m.secret.request', BOB, req('B1'))), ['secret_request.other_user']);
      assert.deepEqual(answersDue(w.state), []);
    });

    it('secret_request.unverified_device: refused, nothing owed', () => {
      stored();
      assert.deepEqual(codes(w.toDevice('m.secret.request', ME, req('PHONE'))), ['secret_request.unverified_device']);
      assert.deepEqual(answersDue(w.state), []);
    });

    it('secret_request.unknown_secret: a secret we do not hold', () => {
      assert.deepEqual(codes(w.toDevice('m.secret.request', ME, req('LAPTOP'))), ['secret_request.unknown_secret']);
      assert.deepEqual(answersDue(w.state), []);
    });

    it('secret_request.cancelled: a cancellation before we answered', () => {
      stored();
      w.toDevice('m.secret.request', ME, req('LAPTOP'));
      assert.deepEqual(codes(w.toDevice('m.secret.request', ME, { action: 'request_cancellation', requesting_device_id: 'LAPTOP', request_id: 'in1' })), ['secret_request.cancelled']);
      assert.deepEqual(answersDue(w.state), []);
    });

    it('a request from our own device ID (an echo of our own) is ignored', () => {
      stored();
      assert.deepEqual(codes(w.toDevice('m.secret.request', ME, req(MY_DEVICE))), []);
    });
  });
});

