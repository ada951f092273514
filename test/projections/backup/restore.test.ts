/**
 * Restoring keys (a `GET /room_keys/keys` response), opening secret storage, and key
 * export files, through a real ledger with real keys: sessions made by olm, encrypted to
 * an olm backup key, 4S written by the spec's algorithm.
 */
import { strict as assert } from 'node:assert';
import {
  describeEntry, decryptKeyExport, encodeRecoveryKey, encryptKeyExport, KeyExportError, RecoveryKeyError, SecretStorageError, type Decision,
} from '../../../src/index.js';
import { keysQueryResponse, type SimDevice, type SimUser } from '../../../src/testkit/index.js';
import { LedgerWorld, ME, ROOM, user, freeAll } from '../../helpers/slices.js';
import { backedUpSessions, backupKeyPair, backupVersion, groupSession, secretStorage } from '../../helpers/backup.js';

const ALICE = '@alice:example.org';
const codes = (ds: readonly Decision[], slice?: string) => ds.filter((d) => slice === undefined || d.slice === slice).map((d) => d.code);

describe('backup: restoring keys, secret storage, key exports', () => {
  let w: LedgerWorld;
  let me: SimUser;
  let alice: SimUser;
  let aliceDevice: SimDevice;

  beforeEach(async () => {
    w = await LedgerWorld.create();
    me = await user(ME);
    alice = await user(ALICE, 'ALICEDEV');
    aliceDevice = alice.devices.get('ALICEDEV')!;
    await w.keysQueryBody(keysQueryResponse({ users: [{ user: me, devices: [w.myDeviceKeys()], includeUserSigningKey: true }, { user: alice }] }));
  });
  afterEach(async () => { await w.free(); freeAll(); });

  async function entries(): Promise<string> {
    const out: unknown[] = [];
    for await (const e of w.ledger.entries()) out.push(e);
    return JSON.stringify(out);
  }

  describe('restore (backup_keys)', () => {
    it('given a trusted backup and its key, when its keys are restored, then backup.restored and each session room_key.restored (source backup, unauthenticated), and it decrypts', async () => {
      const pair = await backupKeyPair();
      await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
      await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
      const s1 = await groupSession(aliceDevice, ROOM);
      const s2 = await groupSession(aliceDevice, ROOM);
      const event = s1.encrypt('m.room.message', { msgtype: 'm.text', body: 'from the backup' });
      const result = await w.ledger.restoreBackup('1', await backedUpSessions(pair.publicKey, [s1, s2]));
      assert.deepEqual(codes(result.decisions, 'backup'), ['backup.restored']);
      assert.deepEqual(codes(result.decisions, 'megolm'), ['room_key.restored', 'room_key.restored']);
      assert.deepEqual({ restored: result.restored, refused: result.refused }, { restored: 2, refused: 0 });
      const decrypted = await w.ledger.decryptRoomEvent(ROOM, event);
      assert.equal((decrypted.plaintext?.content as { body?: string }).body, 'from the backup');
      assert.equal(decrypted.session?.source, 'backup');
      assert.equal(decrypted.authenticity, 'unauthenticated');
      const log = await entries();
      assert.ok(!log.includes(await s1.exportAt(0)) && !log.includes(pair.secret), 'no session key or backup key in the log');
      const lines = (await w.ledger.entries()).map((e) => describeEntry(e).summary);
      assert.ok(lines.some((l) => /^room key .* of !room:example\.org from backup 1 of input \d+$/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^secret m\.megolm_backup\.v1 stored \(user\): public key /.test(l)));
      s1.free();
      s2.free();
    });

    it('given a backup trusted by signature but no key of ours for it, then backup.restore_no_key and nothing is taken', async () => {
      await w.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });
      const pair = await backupKeyPair();
      await w.ingest({ kind: 'backup_version', payload: backupVersion('1', me.signAs('master', { public_key: pair.publicKey })) });
      const s1 = await groupSession(aliceDevice, ROOM);
      const result = await w.ledger.restoreBackup('1', await backedUpSessions(pair.publicKey, [s1]));
      assert.deepEqual(codes(result.decisions), ['backup.restore_no_key']);
      s1.free();
    });

    it('when keys are given for another version than the current trusted one, then backup.restore_untrusted', async () => {
      const pair = await backupKeyPair();
      await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
      await w.ingest({ kind: 'backup_version', payload: backupVersion('2', { public_key: pair.publicKey }) });
      const s1 = await groupSession(aliceDevice, ROOM);
      const result = await w.ledger.restoreBackup('1', await backedUpSessions(pair.publicKey, [s1]));
      assert.deepEqual(codes(result.decisions), ['backup.restore_untrusted']);
      s1.free();
    });

    it('when a backed-up session is altered (bad MAC) or claims another session ID, then room_key.not_imported / room_key.session_id_mismatch for it alone', async () => {
      const pair = await backupKeyPair();
      await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
      await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
      const [s1, s2, s3] = [await groupSession(aliceDevice, ROOM), await groupSession(aliceDevice, ROOM), await groupSession(aliceDevice, ROOM)];
      const body = await backedUpSessions(pair.publicKey, [s1, s2, s3]);
      const sessions = body.rooms[ROOM]!.sessions as Record<string, { session_data: { mac: string } }>;
      sessions[s1.sessionId]!.session_data.mac = 'AAAAAAAAAAA';
      sessions[s3.sessionId] = sessions[s2.sessionId]!; // s2's key filed under s3's ID
      delete sessions[s2.sessionId];
      const result = await w.ledger.restoreBackup('1', body);
      assert.deepEqual(codes(result.decisions, 'megolm').sort(), ['room_key.not_imported', 'room_key.session_id_mismatch']);
      [s1, s2, s3].forEach((s) => s.free());
    });
  });

  describe('secret storage (4S)', () => {
    it('given 4S holding the backup key, when opened with the recovery key, then secret_storage.opened, secret.stored (source secret_storage), and the backup is backup.trusted_key', async () => {
      const pair = await backupKeyPair();
      const storage = secretStorage('KEYID', { 'm.megolm_backup.v1': pair.secret });
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: storage.events } });
      const recoveryKey = encodeRecoveryKey(storage.key);
      const opened = await w.ledger.openSecretStorage({ recoveryKey });
      assert.deepEqual(opened, { keyId: 'KEYID', stored: ['m.megolm_backup.v1'], failed: [], crossSigning: null });
      const decisions = await w.ledger.recordedDecisions();
      assert.ok(decisions.some((d) => d.code === 'secret_storage.opened'));
      assert.equal(decisions.find((d) => d.code === 'secret.stored')!.detail!['source'], 'secret_storage');
      const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
      assert.deepEqual(codes(d), ['backup.trusted_key']);
      const log = await entries();
      assert.ok(!log.includes(pair.secret) && !log.includes(recoveryKey) && !log.includes(Buffer.from(storage.key).toString('base64').slice(0, 40)));
    });

    it('given 4S holding our cross-signing keys, when opened, then they are imported (own identity trusted) and a backup signed by our master key is backup.trusted_signature', async () => {
      const pair = await backupKeyPair();
      await w.ingest({ kind: 'backup_version', payload: backupVersion('1', me.signAs('master', { public_key: pair.publicKey })) });
      assert.equal(w.ledger.mayBackUp().code, 'backup.untrusted');
      const storage = secretStorage('XS', {
        'm.cross_signing.master': me.privateKeyBase64('master'),
        'm.cross_signing.self_signing': me.privateKeyBase64('self_signing'),
        'm.cross_signing.user_signing': me.privateKeyBase64('user_signing'),
      });
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: storage.events } });
      const opened = await w.ledger.openSecretStorage({ recoveryKey: encodeRecoveryKey(storage.key) });
      assert.equal(opened.crossSigning, 'own_cross_signing.keys_held');
      assert.deepEqual(opened.stored.sort(), ['m.cross_signing.master', 'm.cross_signing.self_signing', 'm.cross_signing.user_signing']);
      assert.deepEqual(w.ledger.mayBackUp().code, 'backup.trusted_signature');
      assert.equal(w.ledger.backupStatus().masterSignature, 'valid_trusted');
      const decisions = await w.ledger.recordedDecisions();
      assert.equal(decisions.find((d) => d.code === 'secret.stored' && d.detail!['name'] === 'm.cross_signing.master')!.detail!['public_key'], me.publicKey('master'));
      assert.ok(!(await entries()).includes(me.privateKeyBase64('master')));
    });

    it('createSecretStorage writes account_data requests (key, default key, secrets) that another device of ours opens with the recovery key returned', async () => {
      const pair = await backupKeyPair();
      await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
      const created = await w.ledger.createSecretStorage();
      assert.deepEqual(created.secrets, ['m.megolm_backup.v1']);
      assert.deepEqual(created.requests.map((r) => r.type), ['account_data', 'account_data', 'account_data']);
      const paths = created.requests.map((r) => r.path);
      assert.ok(paths.includes(`/_matrix/client/v3/user/${encodeURIComponent(ME)}/account_data/m.secret_storage.default_key`));
      const events = created.requests.map((r) => ({ type: (r as { event_type: string }).event_type, content: r.body as Record<string, unknown> }));
      const other = await LedgerWorld.create({ deviceId: 'OTHERDEV' });
      try {
        await other.ingest({ kind: 'account_data', payload: { kind: 'account_data', events } });
        const opened = await other.ledger.openSecretStorage({ recoveryKey: created.recoveryKey });
        assert.deepEqual(opened.stored, ['m.megolm_backup.v1']);
        const d = await other.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
        assert.deepEqual(codes(d), ['backup.trusted_key']);
      } finally {
        await other.free();
      }
      const log = await entries();
      assert.ok(!log.includes(created.recoveryKey) && !log.includes(pair.secret));
      await w.ledger.markRequestAsSent(created.requests[0]!.id, 'account_data', {});
      assert.equal(w.ledger.outgoingRequests().filter((r) => r.type === 'account_data').length, 2);
    });

    it('the account data may come in a sync (account_data), and a passphrase opens the key by PBKDF2-SHA-512', async () => {
      const pair = await backupKeyPair();
      const { passphraseKey } = await import('../../../src/secrets/aes-hmac-sha2.js');
      const params = { salt: 'saltsalt', iterations: 1000 };
      const key = passphraseKey('correct horse', params);
      const storage = secretStorage('PASS', { 'm.megolm_backup.v1': pair.secret }, { key, passphrase: params });
      await w.ledger.receiveSync({ account_data: { events: storage.events } });
      const opened = await w.ledger.openSecretStorage({ passphrase: 'correct horse' });
      assert.deepEqual(opened.stored, ['m.megolm_backup.v1']);
      await assert.rejects(w.ledger.openSecretStorage({ passphrase: 'wrong horse' }), (e: SecretStorageError) => e.code === 'secret_storage.wrong_key');
    });

    it('when the recovery key is another 4S key, then SecretStorageError secret_storage.wrong_key, logged as secret_storage.wrong_key, nothing stored', async () => {
      const pair = await backupKeyPair();
      const storage = secretStorage('KEYID', { 'm.megolm_backup.v1': pair.secret });
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: storage.events } });
      const other = secretStorage('KEYID', {});
      await assert.rejects(w.ledger.openSecretStorage({ recoveryKey: encodeRecoveryKey(other.key) }), (e: SecretStorageError) => e.code === 'secret_storage.wrong_key');
      const decisions = await w.ledger.recordedDecisions();
      assert.ok(decisions.some((d) => d.code === 'secret_storage.wrong_key'));
      assert.ok(!decisions.some((d) => d.code === 'secret.stored'));
    });

    it('when the recovery key is mistyped (parity), or has the wrong prefix, then RecoveryKeyError and nothing is logged', async () => {
      const storage = secretStorage('KEYID', {});
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: storage.events } });
      const head = w.ledger.headSeq();
      const good = encodeRecoveryKey(storage.key).replace(/ /g, '');
      const bs58 = (await import('bs58')).default;
      const bytes = bs58.decode(good);
      bytes[10] ^= 1;
      await assert.rejects(w.ledger.openSecretStorage({ recoveryKey: bs58.encode(bytes) }), (e: RecoveryKeyError) => /parity/.test(e.message) && !e.message.includes(good));
      const wrongPrefix = Uint8Array.from(bs58.decode(good));
      wrongPrefix[0] = 0x8c;
      wrongPrefix[34] ^= 0x8b ^ 0x8c;
      await assert.rejects(w.ledger.openSecretStorage({ recoveryKey: bs58.encode(wrongPrefix) }), /wrong prefix/);
      await assert.rejects(w.ledger.openSecretStorage({ recoveryKey: '0OIl' }), /not base58/);
      assert.equal(w.ledger.headSeq(), head);
    });

    it('a key description of another algorithm, one without a passphrase, or with PBKDF2 parameters out of bounds opens nothing (SecretStorageError with its code), and nothing is logged', async () => {
      const storage = secretStorage('K', {});
      const description = storage.events[1]!;
      const head0 = w.ledger.headSeq();
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: [storage.events[0]!, { type: description.type, content: { ...description.content, algorithm: 'org.example.other' } }] } });
      const head = w.ledger.headSeq();
      assert.ok(head > head0);
      await assert.rejects(w.ledger.openSecretStorage({ recoveryKey: encodeRecoveryKey(storage.key) }), (e: SecretStorageError) => e.code === 'secret_storage.unknown_algorithm');
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: [description] } });
      await assert.rejects(w.ledger.openSecretStorage({ passphrase: 'x' }), (e: SecretStorageError) => e.code === 'secret_storage.no_passphrase');
      await w.ingest({ kind: 'account_data', payload: { kind: 'account_data', events: [{ type: description.type, content: { ...description.content, passphrase: { algorithm: 'm.pbkdf2', salt: 's', iterations: 2 ** 40 } } }] } });
      const before = w.ledger.headSeq();
      await assert.rejects(w.ledger.openSecretStorage({ passphrase: 'x' }), (e: SecretStorageError) => e.code === 'secret_storage.bad_passphrase_parameters');
      assert.equal(w.ledger.headSeq(), before);
    });

    it('hostile backup responses: sessions that are not objects or not JSON are refused one by one (room_key.not_imported), a malformed body is a rejected input', async () => {
      const pair = await backupKeyPair();
      await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
      await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: pair.publicKey }) });
      const result = await w.ledger.restoreBackup('1', { rooms: { [ROOM]: { sessions: { a: 5, b: { session_data: { ephemeral: 1 } }, c: { session_data: { ephemeral: 'x', mac: 'y', ciphertext: 'z' } } } } } });
      assert.deepEqual(codes(result.decisions, 'megolm'), ['room_key.not_imported', 'room_key.not_imported', 'room_key.not_imported']);
      await assert.rejects(w.ledger.restoreBackup('1', { rooms: { [ROOM]: 'nope' } } as never), /rooms/);
    });

    it('when no default key is set, then SecretStorageError secret_storage.no_key', async () => {
      await assert.rejects(w.ledger.openSecretStorage({ recoveryKey: 'x' }), (e: SecretStorageError) => e.code === 'secret_storage.no_key');
    });
  });

  describe('key export files', () => {
    it('a file written by the spec\'s algorithm imports (room_key.imported, source import); exportRoomKeys writes one that decrypts to the same session', async () => {
      const s1 = await groupSession(aliceDevice, ROOM);
      const event = s1.encrypt('m.room.message', { msgtype: 'm.text', body: 'imported' });
      const file = encryptKeyExport([{
        algorithm: 'm.megolm.v1.aes-sha2', forwarding_curve25519_key_chain: [], room_id: ROOM, sender_key: aliceDevice.curve25519,
        sender_claimed_keys: { ed25519: aliceDevice.ed25519 }, session_id: s1.sessionId, session_key: await s1.exportAt(0),
      }], 'pass phrase', 1000);
      const result = await w.ledger.importRoomKeys(file, 'pass phrase');
      assert.deepEqual(result, { imported: 1, refused: 0 });
      const decrypted = await w.ledger.decryptRoomEvent(ROOM, event);
      assert.equal(decrypted.session?.source, 'import');
      assert.equal((decrypted.plaintext?.content as { body?: string }).body, 'imported');
      const exported = decryptKeyExport(await w.ledger.exportRoomKeys('another'), 'another') as { session_id: string; session_key: string }[];
      assert.deepEqual(exported.map((e) => e.session_id), [s1.sessionId]);
      assert.equal(exported[0]!.session_key, await s1.exportAt(0));
      assert.ok(!(await entries()).includes(await s1.exportAt(0)));
      s1.free();
    });

    it('a file holding one session twice, at index 5 then at index 0, keeps the lower one (session_update.accepted: the same ratchet)', async () => {
      const s1 = await groupSession(aliceDevice, ROOM);
      for (let i = 0; i < 5; i++) s1.encrypt('m.room.message', { body: `m${i}` });
      const entry = async (index: number) => ({
        algorithm: 'm.megolm.v1.aes-sha2', forwarding_curve25519_key_chain: [], room_id: ROOM, sender_key: aliceDevice.curve25519,
        sender_claimed_keys: { ed25519: aliceDevice.ed25519 }, session_id: s1.sessionId, session_key: await s1.exportAt(index),
      });
      const file = encryptKeyExport([await entry(5), await entry(0)], 'p', 1000);
      const result = await w.ledger.importRoomKeys(file, 'p');
      assert.deepEqual(result, { imported: 2, refused: 0 });
      const decisions = await w.ledger.recordedDecisions();
      assert.deepEqual(decisions.filter((d) => d.slice === 'megolm').map((d) => d.code), ['room_key.imported', 'session_update.accepted']);
      s1.free();
    });

    it('when the passphrase is wrong or the file is not one, then KeyExportError and nothing is logged', async () => {
      const head = w.ledger.headSeq();
      const file = encryptKeyExport([], 'right', 1000);
      await assert.rejects(w.ledger.importRoomKeys(file, 'wrong'), KeyExportError);
      await assert.rejects(w.ledger.importRoomKeys('hello', 'right'), KeyExportError);
      assert.equal(w.ledger.headSeq(), head);
    });
  });
});
