import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../src/index.js';
import { LedgerStore } from '../../src/log/store.js';
import type { RoomEventRepeats } from '../../src/room-event-repeat.js';
import { SimDevice, type MegolmRoomEvent } from '../../src/testkit/index.js';
import { UncleanFilter } from '../../src/unclean-filter.js';
import { groupSession } from '../helpers/backup.js';
import { tempDir } from '../helpers/tmp.js';

const ROOM = '!filter:example.org';

/** Real Megolm events of a session whose key the ledger never gets: each is logged as undecryptable. */
async function undecryptable(count: number): Promise<MegolmRoomEvent[]> {
  const alice = await SimDevice.create('@alice:example.org', 'ALICE');
  const out = await groupSession(alice, ROOM);
  return Array.from({ length: count }, (_, i) => out.encrypt('m.room.message', { msgtype: 'm.text', body: `never readable ${i}` }));
}

/** The ledger's store and its repeat answerer (internals the filter sits between). */
const internals = (ledger: Ledger) => ledger as unknown as { store: LedgerStore; repeats: RoomEventRepeats | null };

/** Counts the `unclean` index reads of a ledger's store. */
function countIndexReads(ledger: Ledger): { keys: number; restore(): void } {
  const index = internals(ledger).store.unclean;
  const original = index.getMany.bind(index);
  const counter = {
    keys: 0,
    restore: () => {
      index.getMany = original;
    },
  };
  index.getMany = ((keys: string[], ...rest: unknown[]) => {
    counter.keys += keys.length;
    return (original as (...a: unknown[]) => unknown)(keys, ...rest);
  }) as typeof index.getMany;
  return counter;
}

describe('the unclean-index filter', () => {
  describe('over a real store', () => {
    let dir: ReturnType<typeof tempDir>;
    let store: LedgerStore;
    beforeEach(async () => {
      dir = tempDir();
      store = await LedgerStore.open(dir.path, true);
    });
    afterEach(async () => {
      await store.close();
      dir.cleanup();
    });

    it('never says "absent" for a key on disk before it was built or added since, and says it for most others', async () => {
      const onDisk = Array.from({ length: 300 }, (_, i) => `${ROOM} $disk${i}`);
      await store.unclean.batch(onDisk.map((key, i) => ({ type: 'put' as const, key, value: String(i) })));
      const filter = new UncleanFilter(store.unclean);
      assert.equal(filter.absent(onDisk[0]!), false, 'before it is built, every key goes to the index');
      await filter.settled();
      assert.equal(filter.ready, true);
      const later = Array.from({ length: 300 }, (_, i) => `${ROOM} $later${i}`);
      filter.added(later);
      for (const key of [...onDisk, ...later]) assert.equal(filter.absent(key), false, key);
      const others = Array.from({ length: 1000 }, (_, i) => `${ROOM} $other${i}`).filter((k) => filter.absent(k)).length;
      assert.ok(others > 950, `only ${others} of 1000 keys never added were known absent`);
    });

    it('grows past its capacity without losing a key, and keeps its false "maybe"s rare', async () => {
      const filter = new UncleanFilter(store.unclean, 16);
      await filter.settled();
      const keys = Array.from({ length: 2000 }, (_, i) => `${ROOM} $grown${i}`);
      for (let i = 0; i < keys.length; i += 100) {
        const step = keys.slice(i, i + 100);
        await store.unclean.batch(step.map((key) => ({ type: 'put' as const, key, value: '1' })));
        filter.added(step);
        for (const key of keys.slice(0, i + 100)) assert.equal(filter.absent(key), false, key);
      }
      await filter.settled();
      // A 16-key filter holding 2,000 keys says "maybe" to nearly everything.
      const others = Array.from({ length: 1000 }, (_, i) => `${ROOM} $other${i}`).filter((k) => filter.absent(k)).length;
      assert.ok(others > 900, `only ${others} of 1000 keys never added were known absent`);
      for (const key of keys) assert.equal(filter.absent(key), false, key);
    });
  });

  it('stops reading the index when the store closes under it, without an error, and answers "maybe" meanwhile', async () => {
    const dir = tempDir();
    const store = await LedgerStore.open(dir.path, true);
    try {
      const keys = Array.from({ length: 20_000 }, (_, i) => `${ROOM} $many${i}`);
      await store.unclean.batch(keys.map((key) => ({ type: 'put' as const, key, value: '1' })));
      const filter = new UncleanFilter(store.unclean);
      assert.equal(filter.absent(`${ROOM} $not-there`), false);
      await store.close();
      await filter.settled();
      assert.equal(filter.absent(keys[0]!), false);
    } finally {
      dir.cleanup();
    }
  });

  describe('in decryptRoomEvent', () => {
    it('spares the index read for events given for the first time, and still answers repeats from the log after a reopen', async () => {
      const dir = tempDir();
      const events = await undecryptable(60);
      const open = () => openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
      try {
        let ledger = await open();
        await ledger.ingestMany(events.slice(0, 20).map((event) => ({ kind: 'room_event' as const, room_id: ROOM, event })));
        await ledger.close();

        ledger = await open();
        const reads = countIndexReads(ledger);
        // The first call builds the filter from the index on disk.
        assert.equal((await ledger.decryptRoomEvent(ROOM, events[20])).repeated, false);
        await (internals(ledger).repeats as unknown as { filter: UncleanFilter }).filter.settled();
        reads.keys = 0;
        const fresh = await Promise.all(events.slice(21, 40).map((e) => ledger.decryptRoomEvent(ROOM, e)));
        assert.ok(fresh.every((d) => !d.decrypted && !d.repeated));
        assert.equal(reads.keys, 0, 'a room event never logged was looked up in the unclean index');

        // Logged before the reopen (found from the disk) and after it (added as written): answered from the log.
        const head = ledger.headSeq();
        const again = await Promise.all([...events.slice(0, 20), ...events.slice(20, 40)].map((e) => ledger.decryptRoomEvent(ROOM, e)));
        assert.deepEqual(again.map((d) => d.repeated), again.map(() => true));
        assert.equal(ledger.headSeq(), head);
        assert.ok(reads.keys >= 40);
        reads.restore();
        await ledger.close();
      } finally {
        dir.cleanup();
      }
    });
  });
});
