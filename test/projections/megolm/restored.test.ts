/**
 * Sessions from a trusted backup (source `backup`) and from a key export file (source
 * `import`): stored unauthenticated, under the update rules like any key.
 */
import { strict as assert } from 'node:assert';
import { encodeRecoveryKey, encryptKeyExport, sessionProvenance } from '../../../src/index.js';
import { LedgerWorld, ROOM, user, freeAll } from '../../helpers/slices.js';
import { backedUpSessions, backupKeyPair, backupVersion, groupSession } from '../../helpers/backup.js';

describe('megolm: restored and imported sessions', () => {
  let w: LedgerWorld;
  beforeEach(async () => { w = await LedgerWorld.create(); });
  afterEach(async () => { await w.free(); freeAll(); });

  it('given a trusted backup, when a session is restored, then room_key.restored (source backup, unauthenticated); the same key imported again is session_update.not_lower_index', async () => {
    const alice = await user('@alice:example.org', 'ALICEDEV');
    const device = alice.devices.get('ALICEDEV')!;
    const pair = await backupKeyPair();
    await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
    await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
    const s = await groupSession(device, ROOM);
    const restored = await w.ledger.restoreBackup('1', await backedUpSessions(pair.publicKey, [s]));
    const megolm = restored.decisions.filter((d) => d.slice === 'megolm');
    assert.deepEqual(megolm.map((d) => d.code), ['room_key.restored']);
    assert.equal(megolm[0]!.detail!['authenticity'], 'unauthenticated');
    assert.equal(sessionProvenance(w.state, ROOM, device.curve25519, s.sessionId)?.session.source.type, 'backup');
    const file = encryptKeyExport([{
      algorithm: 'm.megolm.v1.aes-sha2', forwarding_curve25519_key_chain: [], room_id: ROOM, sender_key: device.curve25519,
      sender_claimed_keys: { ed25519: device.ed25519 }, session_id: s.sessionId, session_key: await s.exportAt(0),
    }], 'p', 1000);
    await w.ledger.importRoomKeys(file, 'p');
    const decisions = await w.ledger.recordedDecisions();
    assert.deepEqual(decisions.filter((d) => d.slice === 'megolm').map((d) => d.code), ['room_key.restored', 'session_update.not_lower_index']);
    s.free();
  });

  it('when a session is imported from a key export file, then room_key.imported (source import, unauthenticated)', async () => {
    const alice = await user('@alice:example.org', 'ALICEDEV');
    const device = alice.devices.get('ALICEDEV')!;
    const s = await groupSession(device, ROOM);
    const file = encryptKeyExport([{
      algorithm: 'm.megolm.v1.aes-sha2', forwarding_curve25519_key_chain: ['K'], room_id: ROOM, sender_key: device.curve25519,
      sender_claimed_keys: { ed25519: device.ed25519 }, session_id: s.sessionId, session_key: await s.exportAt(0),
    }], 'p', 1000);
    await w.ledger.importRoomKeys(file, 'p');
    const decisions = (await w.ledger.recordedDecisions()).filter((d) => d.slice === 'megolm');
    assert.deepEqual(decisions.map((d) => [d.code, d.detail!['authenticity'], d.detail!['source']]), [['room_key.imported', 'unauthenticated', 'import']]);
    s.free();
  });
});
