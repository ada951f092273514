/**
 * Keys go to the server's backup only when its `auth_data` is trusted, once per session
 * key, encrypted to its public key: checked by decrypting the request with the backup's
 * private key (olm).
 */
import { strict as assert } from 'node:assert';
import { BackupNotTrustedError, encodeRecoveryKey, encryptKeyExport, type Decision } from '../../../src/index.js';
import { BackupDecryptor } from '../../../src/crypto/backup-key.js';
import { loadOlm } from '../../../src/crypto/olm.js';
import { keysQueryResponse, type SimDevice, type SimOutboundGroupSession, type SimUser } from '../../../src/testkit/index.js';
import { LedgerWorld, ME, ROOM, user, freeAll } from '../../helpers/slices.js';
import { backupKeyPair, backupVersion, groupSession } from '../../helpers/backup.js';

const ALICE = '@alice:example.org';
const codes = (ds: readonly Decision[]) => ds.filter((d) => d.slice === 'backup').map((d) => d.code);

describe('backup: uploading keys (keys_backup)', () => {
  let w: LedgerWorld;
  let me: SimUser;
  let aliceDevice: SimDevice;
  let sessions: SimOutboundGroupSession[];

  beforeEach(async () => {
    w = await LedgerWorld.create();
    me = await user(ME);
    const alice = await user(ALICE, 'ALICEDEV');
    aliceDevice = alice.devices.get('ALICEDEV')!;
    await w.keysQueryBody(keysQueryResponse({ users: [{ user: me, devices: [w.myDeviceKeys()], includeUserSigningKey: true }] }));
    sessions = [await groupSession(aliceDevice, ROOM), await groupSession(aliceDevice, ROOM)];
    const file = encryptKeyExport(await Promise.all(sessions.map(async (s) => ({
      algorithm: 'm.megolm.v1.aes-sha2', forwarding_curve25519_key_chain: [], room_id: ROOM, sender_key: aliceDevice.curve25519,
      sender_claimed_keys: { ed25519: aliceDevice.ed25519 }, session_id: s.sessionId, session_key: await s.exportAt(0),
    }))), 'p', 1000);
    await w.ledger.importRoomKeys(file, 'p');
  });
  afterEach(async () => { sessions.forEach((s) => s.free()); await w.free(); freeAll(); });

  it('given a trusted backup, when keys are backed up, then backup.upload and a keys_backup request whose session_data decrypts with the backup key to our sessions; a second call sends nothing', async () => {
    await w.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });
    const pair = await backupKeyPair();
    await w.ingest({ kind: 'backup_version', payload: backupVersion('1', me.signAs('master', { public_key: pair.publicKey })) });
    const request = await w.ledger.backUpRoomKeys();
    assert.ok(request !== null && request.type === 'keys_backup');
    assert.equal(request.method, 'PUT');
    assert.equal(request.path, '/_matrix/client/v3/room_keys/keys?version=1');
    const decryptor = new BackupDecryptor(await loadOlm(), pair.privateKey);
    try {
      const got = Object.entries(request.body.rooms[ROOM]!.sessions).map(([id, data]) => {
        const plain = decryptor.decrypt((data as { session_data: { ephemeral: string; mac: string; ciphertext: string } }).session_data);
        assert.ok('plaintext' in plain);
        return [id, (JSON.parse(plain.plaintext) as { session_key: string }).session_key];
      });
      const expected = await Promise.all(sessions.map(async (s) => [s.sessionId, await s.exportAt(0)]));
      assert.deepEqual(got.sort(), expected.sort());
    } finally {
      decryptor.free();
    }
    const decisions = await w.ledger.recordedDecisions();
    assert.equal(decisions.filter((d) => d.code === 'backup.upload').length, 1);
    assert.equal(await w.ledger.backUpRoomKeys(), null);
    assert.ok(w.ledger.outgoingRequests().some((r) => r.id === request.id));
    await w.ledger.markRequestAsSent(request.id, 'keys_backup', { etag: 'x', count: 2 });
    assert.ok(!w.ledger.outgoingRequests().some((r) => r.id === request.id));
  });

  it('given a new backup version, then the keys are sent to it again', async () => {
    const pair = await backupKeyPair();
    await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
    await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
    assert.ok(await w.ledger.backUpRoomKeys());
    await w.ingest({ kind: 'backup_version', payload: backupVersion('2', { public_key: pair.publicKey }) });
    const again = await w.ledger.backUpRoomKeys();
    assert.ok(again !== null && again.type === 'keys_backup' && again.version === '2');
    assert.equal(Object.keys(again.body.rooms[ROOM]!.sessions).length, 2);
  });

  it('attack replayed: the server sets an untrusted auth_data (its own key, no valid signature): no keys_backup request, BackupNotTrustedError, backup.upload_refused', async () => {
    await w.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });
    const attacker = await backupKeyPair();
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('9', { public_key: attacker.publicKey }) });
    assert.deepEqual(codes(d), ['backup.untrusted']);
    await assert.rejects(w.ledger.backUpRoomKeys(), (e: BackupNotTrustedError) => e.reason === 'backup.untrusted');
    const decisions = await w.ledger.recordedDecisions();
    const refused = decisions.find((x) => x.code === 'backup.upload_refused')!;
    assert.equal(refused.detail!['verdict'], 'backup.untrusted');
    assert.ok(!w.ledger.outgoingRequests().some((r) => r.type === 'keys_backup'));
    const log: unknown[] = [];
    for await (const e of w.ledger.entries()) log.push(e);
    assert.ok(!log.some((e) => (e as { kind: string; payload: { type?: string } }).kind === 'outgoing_request' && (e as { payload: { type?: string } }).payload.type === 'keys_backup'));
  });
});
