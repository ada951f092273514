import { strict as assert } from 'node:assert';
import { openLedger } from '../../src/index.js';
import { SimDevice } from '../../src/testkit/index.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('keyledger share / encrypt', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    dir = tempDir('keyledger-share-cli-');
    const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'MEDEV', unencryptedVault: true });
    await ledger.close();
  });
  afterEach(() => dir.cleanup());

  it('encrypt refuses before a share; share makes the session; encrypt prints the m.room.encrypted content as one JSON line', async () => {
    const before = await cli(['--db', dir.path, 'encrypt', '--room', '!r:example.org', '--type', 'm.room.message', '--content', '{"body":"hi"}']);
    assert.notEqual(before.code, 0);
    assert.match(before.stderr, /megolm_out\.no_session/);
    const share = await cli(['--db', dir.path, 'share', '--room', '!r:example.org', '--users', '@me:example.org', '--strategy', 'cross-signed']);
    assert.equal(share.code, 0, share.stderr);
    assert.match(share.stdout, /^seq \d+ share_room_key$/m);
    assert.match(share.stdout, /accepted megolm_out\.session_created/);
    const encrypted = await cli(['--db', dir.path, 'encrypt', '--room', '!r:example.org', '--type', 'm.room.message', '--content', '{"body":"hi"}']);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    const content = JSON.parse(encrypted.stdout) as { algorithm: string; session_id: string; device_id: string; ciphertext: string };
    assert.equal(content.algorithm, 'm.megolm.v1.aes-sha2');
    assert.equal(content.device_id, 'MEDEV');
    assert.doesNotMatch(encrypted.stdout, /"body"/);
  });
});

describe('keyledger shares', () => {
  it('lists our sessions: who got the key from which index, who was refused it, and what was encrypted', async () => {
    const dir = tempDir('keyledger-shares-cli-');
    try {
      const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'MEDEV', unencryptedVault: true });
      await ledger.shareRoomKey('!r:example.org', []);
      await ledger.encryptRoomEvent('!r:example.org', 'm.room.message', { body: 'x' });
      await ledger.close();
      const r = await cli(['--db', dir.path, 'shares', '--room', '!r:example.org']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^session \S+ in !r:example\.org \(created at seq \d+, 1 events encrypted\)$/m);
      const json = await cli(['--db', dir.path, 'shares', '--json']);
      assert.equal((JSON.parse(json.stdout) as { encrypted: unknown[] }).encrypted.length, 1);
    } finally {
      dir.cleanup();
    }
  });
});

describe('keyledger shares --event', () => {
  it('says, for one event of ours, which devices could read it (key from an index at or below its own), which got the key too late, and which were refused it, with the decisions', async () => {
    const dir = tempDir('keyledger-shares-event-');
    const devices: SimDevice[] = [];
    try {
      const ROOM = '!r:example.org';
      const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'MEDEV', unencryptedVault: true });
      const a = await SimDevice.create('@a:example.org', 'AD');
      const b = await SimDevice.create('@b:example.org', 'BD');
      const a2 = await SimDevice.create('@a:example.org', 'AD2');
      devices.push(a, b, a2);
      /** The server lists `listed`; each is verified by the user; a one-time key is claimed for each new one; the room key is shared. */
      const round = async (listed: SimDevice[], fresh: SimDevice[]) => {
        const response = { device_keys: {} as Record<string, Record<string, unknown>>, failures: {} };
        for (const d of listed) (response.device_keys[d.userId] ??= {})[d.deviceId] = d.deviceKeys();
        await ledger.updateTrackedUsers(['@a:example.org', '@b:example.org']);
        await ledger.ingest({ kind: 'keys_query', response } as never);
        for (const d of fresh.filter((d) => d !== b)) await ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: d.userId, device_id: d.deviceId, ed25519: d.ed25519 } as never);
        const claim = await ledger.getMissingSessions(['@a:example.org', '@b:example.org']);
        if (claim !== null) {
          const keys: Record<string, Record<string, unknown>> = {};
          for (const d of fresh) (keys[d.userId] ??= {})[d.deviceId] = d.oneTimeKeys(1);
          await ledger.markRequestAsSent(claim.id, claim.type, { one_time_keys: keys, failures: {} });
        }
        for (const r of (await ledger.shareRoomKey(ROOM, ['@a:example.org', '@b:example.org'], { strategy: 'verified' })).requests) await ledger.markRequestAsSent(r.id, r.type, {});
      };
      const send = async (eventId: string, body: string) => {
        const content = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { msgtype: 'm.text', body });
        // The remote echo, read back with our own copy of the session.
        const echo = await ledger.decryptRoomEvent(ROOM, { event_id: eventId, sender: '@me:example.org', origin_server_ts: 1_700_000_000_000, type: 'm.room.encrypted', room_id: ROOM, content });
        assert.equal(echo.decrypted, true);
      };
      await round([a, b], [a, b]);
      await send('$first', 'one');
      await round([a, b, a2], [a2]);
      await send('$second', 'two');
      await ledger.close();

      type Reader = { user_id: string; device_id: string; status: string; from_index?: number; code?: string; decisions: string[] };
      const readers = async (eventId: string) => {
        const r = await cli(['--db', dir.path, 'shares', '--event', eventId, '--json']);
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout) as { message_index: number; devices: Reader[] };
        return { index: out.message_index, by: Object.fromEntries(out.devices.map((d) => [d.device_id, d])) };
      };
      const first = await readers('$first');
      assert.equal(first.index, 0);
      assert.equal(first.by['AD']!.status, 'could_read');
      assert.match(first.by['AD']!.decisions.join(), /room_key_share\.shared@\d+/);
      assert.equal(first.by['BD']!.status, 'withheld');
      assert.equal(first.by['BD']!.code, 'm.unverified');
      assert.match(first.by['BD']!.decisions.join(), /room_key_share\.unverified@\d+/);
      assert.equal(first.by['AD2']!.status, 'key_too_late');
      assert.equal(first.by['AD2']!.from_index, 1);
      const second = await readers('$second');
      assert.equal(second.index, 1);
      assert.deepEqual([second.by['AD']!.status, second.by['AD2']!.status, second.by['BD']!.status], ['could_read', 'could_read', 'withheld']);

      const text = await cli(['--db', dir.path, 'shares', '--event', '$first']);
      assert.match(text.stdout, /^event \$first: session \S+ in !r:example\.org, message index 0/m);
      assert.match(text.stdout, /@a:example\.org AD2 +could not +\(its key starts at index 1/);
      const missing = await cli(['--db', dir.path, 'shares', '--event', '$never-sent']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no event \$never-sent/);
    } finally {
      for (const d of devices) d.free();
      dir.cleanup();
    }
  });
});
