/**
 * why-utd cannot be steered by a key nobody could decrypt with: given a real ledger, Alice's
 * real Megolm session (whose key never reached us) and a plaintext `m.room_key` naming
 * that session without a sender key, when we ask why Alice's genuine message cannot be
 * read, then the refused plaintext key is not the cause; a refused key for Alice's own
 * sender key still is.
 */
import { strict as assert } from 'node:assert';
import { openLedger, openLogSource, whyUtd, type Ledger } from '../../../src/index.js';
import { keysQueryResponse, SimUser, type SimDevice, type SimOutboundGroupSession } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';
const ALICE = '@alice:example.org';
const MALLORY = '@mallory:example.org';
const ROOM = '!room:example.org';

describe('why-utd: a refusal explains only the events it could be the key of', () => {
  let dir: { path: string; cleanup(): void };
  let ledger: Ledger;
  let alice: SimUser;
  let mallory: SimUser;
  let laptop: SimDevice;
  let session: SimOutboundGroupSession;
  let otks: string[];
  let me: { userId: string; deviceId: string; curve25519: string; ed25519: string };

  beforeEach(async () => {
    dir = tempDir('keyledger-why-utd-');
    let t = 1_764_230_400_000;
    ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', storeKey: 'test store key', now: () => (t += 1000) });
    const ours = await ledger.publishKeys({ withDeviceKeys: true });
    const keys = ours.device_keys!;
    otks = Object.values(ours.one_time_keys).map((k) => k.key);
    me = { userId: ME, deviceId: 'MEDEV', curve25519: keys.keys['curve25519:MEDEV']!, ed25519: keys.keys['ed25519:MEDEV']! };
    alice = await SimUser.create(ALICE);
    laptop = await alice.addDevice('A1');
    mallory = await SimUser.create(MALLORY);
    await mallory.addDevice('M1');
    await ledger.ingest({ kind: 'keys_query', response: keysQueryResponse({ users: [{ user: alice }] }) });
    session = laptop.createOutboundSession(ROOM);
  });
  afterEach(async () => {
    session.free();
    alice.free();
    mallory.free();
    await ledger.close().catch(() => undefined);
    dir.cleanup();
  });

  /** Mallory's plaintext m.room_key naming Alice's session ID, carrying a real key of Mallory's own. */
  async function spoof(extra: Record<string, unknown> = {}): Promise<void> {
    const own = mallory.devices.get('M1')!.createOutboundSession(ROOM);
    const { decisions } = await ledger.ingest({
      kind: 'to_device',
      event: { type: 'm.room_key', sender: MALLORY, content: { ...own.roomKeyContent(), session_id: session.sessionId, ...extra } },
    });
    own.free();
    assert.deepEqual(decisions.map((d) => d.code), ['room_key.not_over_olm']);
  }

  /** Alice's genuine message, fed as a client would; then the ledger is reopened as a log source and asked. */
  async function ask(event = session.encrypt('m.room.message', { msgtype: 'm.text', body: 'Lunch at noon?' })) {
    const room = await ledger.decryptRoomEvent(ROOM, event);
    assert.equal(room.plaintext, null);
    await ledger.close();
    const source = await openLogSource(dir.path);
    try {
      return (await whyUtd(source, event.event_id))!;
    } finally {
      await source.close();
    }
  }

  it('given a plaintext m.room_key naming the session without a sender key, then why-utd says no_session, not session_rejected', async () => {
    await spoof();
    const r = await ask();
    assert.equal(r.status, 'undecryptable');
    assert.deepEqual([r.cause?.name, r.cause?.code, r.now?.cause], ['no_session', null, 'no_session']);
    assert.deepEqual(r.causeDecisions, []);
  });

  it('given the same spoof claiming Alice\'s sender key in a field m.room_key does not have, then still no_session', async () => {
    await spoof({ sender_key: laptop.curve25519 });
    const r = await ask();
    assert.deepEqual([r.cause?.name, r.cause?.code], ['no_session', null]);
  });

  it('given an event that names no sender key, then the spoof is not its cause either', async () => {
    await spoof();
    const event = session.encrypt('m.room.message', { body: 'no routing fields' });
    const { sender_key: _k, device_id: _d, ...content } = event.content;
    const r = await ask({ ...event, content } as typeof event);
    assert.deepEqual([r.cause?.name, r.cause?.code], ['no_session', null]);
  });

  it('given Alice\'s own key refused (over Olm, for another recipient), then that is the cause (room_key.invalid_payload), and a later spoof does not hide it', async () => {
    const sent = laptop.encryptToDevice({ ...me, oneTimeKey: otks[0]! }, 'm.room_key', session.roomKeyContent(), { plaintext: { recipient: MALLORY } });
    const refused = (await ledger.ingest({ kind: 'to_device', event: sent })).decisions.find((d) => d.code === 'room_key.invalid_payload')!;
    assert.ok(refused !== undefined);
    await spoof();
    const r = await ask();
    assert.deepEqual([r.cause?.name, r.cause?.code, r.cause?.seq], ['session_rejected', 'room_key.invalid_payload', refused.seq]);
    assert.deepEqual(r.causeDecisions.map((d) => d.code), ['room_key.invalid_payload']);
  });
});
