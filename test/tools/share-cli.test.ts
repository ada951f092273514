import { strict as assert } from 'node:assert';
import { openLedger } from '../../src/index.js';
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
