/**
 * In a room, one of our devices answering a request makes our other devices leave it
 * alone: they see its `ready` in the room and send nothing (`verification.accepted_elsewhere`).
 * Three real ledgers: Bob asks @me in a room; MEDEV accepts; MEDEV2 sees MEDEV's ready.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../../src/index.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';
const BOB = '@bob:example.org';
const ROOM = '!dm:example.org';

describe('in-room verification: our other devices ignore a request once one of them is ready', function () {
  this.timeout(60_000);

  it('MEDEV2 ends its copy of the flow with verification.accepted_elsewhere and queues nothing', async () => {
    const dir = tempDir('keyledger-in-room-devices-');
    const open = (userId: string, deviceId: string) => openLedger({ path: `${dir.path}/${deviceId}`, userId, deviceId, unencryptedVault: true });
    const bob = await open(BOB, 'BOBDEV');
    const me1 = await open(ME, 'MEDEV');
    const me2 = await open(ME, 'MEDEV2');
    const all: Ledger[] = [bob, me1, me2];
    try {
      // Everyone knows everyone's device keys (a /keys/query each).
      const listing = { device_keys: { [BOB]: { BOBDEV: bob.deviceKeys() }, [ME]: { MEDEV: me1.deviceKeys(), MEDEV2: me2.deviceKeys() } }, failures: {} };
      for (const l of all) await l.ingest({ kind: 'keys_query', response: listing as never });
      let counter = 0;
      const timeline: Record<string, unknown>[] = [];
      /** Sends every room_message request of `l` into the room; everyone reads the new events. */
      const send = async (l: Ledger) => {
        for (const r of l.outgoingRequests()) {
          if (r.type !== 'room_message') continue;
          const event_id = `$e${++counter}`;
          const req = r as unknown as { event_type: string; body: Record<string, unknown> };
          timeline.push({ event_id, type: req.event_type, sender: l.owner.userId, origin_server_ts: Date.now(), content: req.body });
          await l.markRequestAsSent(r.id, r.type, { event_id });
        }
      };
      let read = 0;
      const sync = async () => {
        const fresh = timeline.slice(read);
        read = timeline.length;
        for (const l of all) for (const event of fresh) await l.ingest({ kind: 'room_event', room_id: ROOM, event: event as never });
      };
      await bob.requestVerificationInRoom(ROOM, ME);
      await send(bob);
      await sync();
      const [asked1] = me1.verifications();
      const [asked2] = me2.verifications();
      assert.equal(asked1!.id, '$e1');
      assert.ok(asked1!.canAccept && asked2!.canAccept, 'both our devices were asked');
      await me1.acceptVerification('$e1');
      await send(me1);
      await sync();
      const ignored = me2.verifications()[0]!;
      assert.equal(ignored.phase, 'cancelled');
      assert.equal(ignored.outcome!.code, 'verification.accepted_elsewhere');
      assert.equal(ignored.outcome!.cancelCode, null, 'nothing is sent');
      assert.deepEqual(me2.outgoingRequests().filter((r) => r.type === 'room_message'), []);
      assert.equal(me1.verifications()[0]!.phase, 'ready');
      assert.equal(bob.verifications()[0]!.phase, 'ready');
      assert.equal(bob.verifications()[0]!.otherDeviceId, 'MEDEV');
    } finally {
      for (const l of all) await l.close();
      dir.cleanup();
    }
  });
});
