/**
 * Attacks on sessions we already hold are forwarded-key anomalies like any other: given a
 * real ledger holding Alice's session (her m.room_key over Olm) and a request for it, when
 * our own unverified tablet and another user forward lower-index copies over Olm, then
 * `decisions({ code: 'forwarded_key.' })` and the report's forwarded-key group list both,
 * and nothing is filed as a generic session update.
 */
import { strict as assert } from 'node:assert';
import { anomalyReport, openLedger, openLogSource, type Ledger } from '../../../src/index.js';
import { keysQueryResponse, SimUser, type SimDevice, type SimOutboundGroupSession } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const ROOM = '!room:example.org';

describe('forwarded-key anomalies on sessions we hold (decisions --code forwarded_key., report)', () => {
  let dir: { path: string; cleanup(): void };
  let ledger: Ledger;
  const users: SimUser[] = [];
  let session: SimOutboundGroupSession;

  afterEach(async () => {
    session?.free();
    for (const u of users.splice(0)) u.free();
    await ledger.close().catch(() => undefined);
    dir.cleanup();
  });

  it('given Alice\'s session held, when our unverified tablet and Bob forward it, then forwarded_key.untrusted_sender and forwarded_key.other_user', async () => {
    dir = tempDir('keyledger-forwarded-held-');
    let t = 1_764_230_400_000;
    ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', storeKey: 'test store key', now: () => (t += 1000) });
    const ours = await ledger.publishKeys({ withDeviceKeys: true });
    const otks = Object.values(ours.one_time_keys).map((k) => k.key);
    const keys = ours.device_keys!;
    const me = { userId: ME, deviceId: 'MEDEV', curve25519: keys.keys['curve25519:MEDEV']!, ed25519: keys.keys['ed25519:MEDEV']! };
    const alice = await SimUser.create(ALICE);
    const own = await SimUser.create(ME);
    const bob = await SimUser.create(BOB);
    users.push(alice, own, bob);
    const laptop = await alice.addDevice('A1');
    const tablet = await own.addDevice('TABLET');
    const b1: SimDevice = await bob.addDevice('B1');
    await ledger.ingest({
      kind: 'keys_query',
      response: keysQueryResponse({ users: [{ user: alice }, { user: bob }, { user: own, devices: [tablet, keys as never], includeUserSigningKey: true }] }),
    });
    session = laptop.createOutboundSession(ROOM);
    const atZero = await session.forwardedRoomKeyContent(0);
    for (let i = 0; i < 3; i++) session.encrypt('m.room.message', { body: `${i}` });
    const shared = await ledger.ingest({ kind: 'to_device', event: laptop.encryptToDevice({ ...me, oneTimeKey: otks[0]! }, 'm.room_key', session.roomKeyContent()) });
    assert.ok(shared.decisions.some((d) => d.code === 'room_key.accepted'));
    await ledger.ingest({ kind: 'user_action', action: 'request_room_key', room_id: ROOM, session_id: session.sessionId, sender_key: laptop.curve25519 });

    const fromTablet = await ledger.ingest({ kind: 'to_device', event: tablet.encryptToDevice({ ...me, oneTimeKey: otks[1]! }, 'm.forwarded_room_key', atZero) });
    const fromBob = await ledger.ingest({ kind: 'to_device', event: b1.encryptToDevice({ ...me, oneTimeKey: otks[2]! }, 'm.forwarded_room_key', atZero) });
    const megolm = (ds: readonly { slice: string; code: string }[]) => ds.filter((d) => d.slice === 'megolm').map((d) => d.code);
    assert.deepEqual(megolm(fromTablet.decisions), ['forwarded_key.untrusted_sender']);
    assert.deepEqual(megolm(fromBob.decisions), ['forwarded_key.other_user']);

    const subject = `session ${ROOM} ${laptop.curve25519} ${session.sessionId}`;
    const listed = await ledger.decisions({ code: 'forwarded_key.' });
    assert.deepEqual(listed.map((d) => [d.code, d.subject]), [['forwarded_key.untrusted_sender', subject], ['forwarded_key.other_user', subject]]);
    assert.deepEqual(listed.map((d) => d.detail?.['stored_first_known_index']), [3, 3], 'each names the session it attacked');
    await ledger.close();

    const source = await openLogSource(dir.path);
    try {
      const report = await anomalyReport(source);
      assert.equal(report.totals.byFamily.find((f) => f.family === 'forwarded_key')?.count, 2);
      assert.equal(report.totals.byFamily.find((f) => f.family === 'session_update'), undefined, 'nothing filed as a generic session update');
    } finally {
      await source.close();
    }
  });
});
