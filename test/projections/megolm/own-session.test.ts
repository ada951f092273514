/**
 * Our own outbound session: given a share, then it is stored as an inbound session with
 * source `own` (room_key.own), authenticated and owned by our user, so our own messages
 * decrypt like anyone's.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../../src/index.js';
import { megolmSession } from '../../../projections/megolm/selectors.js';
import { tempDir } from '../../helpers/tmp.js';

describe('megolm: our own sessions', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
  });
  afterEach(async () => {
    await ledger.close();
    dir.cleanup();
  });

  it('stores our new outbound session as an inbound one with source own (room_key.own), and our message decrypts with it', async () => {
    const share = await ledger.shareRoomKey('!r:example.org', []);
    const own = share.decisions.filter((d) => d.code === 'room_key.own');
    assert.equal(own.length, 1);
    const content = await ledger.encryptRoomEvent('!r:example.org', 'm.room.message', { body: 'mine' });
    assert.equal(own[0]!.subject, `session !r:example.org ${ledger.owner.curve25519} ${content.session_id}`);
    const s = megolmSession(ledger.state(), '!r:example.org', ledger.owner.curve25519, content.session_id)!;
    assert.deepEqual([s.source.type, s.authenticity, s.ownerUserId, s.firstKnownIndex], ['own', 'authenticated', '@me:example.org', 0]);
    const read = await ledger.decryptRoomEvent('!r:example.org', { event_id: '$mine', sender: '@me:example.org', origin_server_ts: 1, type: 'm.room.encrypted', content });
    assert.deepEqual(read.plaintext, { type: 'm.room.message', content: { body: 'mine' } });
    assert.equal(read.messageIndex, 0);
  });
});
