/**
 * Backups, secret storage and key exports against the Rust SDK (matrix-sdk-crypto-wasm)
 * as our other device: a backup it creates (its key, auth_data signed with `sign()`) is
 * trusted here through its signature once our identity is trusted; the keys it backs up
 * (`backupRoomKeys`) restore here and decrypt its events; its secrets (exported with
 * `exportSecretsBundle`, put in secret storage by the spec's algorithm, as the bindings
 * expose no 4S) open here with the recovery key; key exports go both ways.
 */
import { strict as assert } from 'node:assert';
import { canonicalJson, decryptKeyExport, encodeRecoveryKey, openLedger, type Decision, type Ledger } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { backupVersion, secretStorage } from '../helpers/backup.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, RustSdk, type RustIdentity } from './rust.js';
import { rustEncryptRoomEvent, rustShareRoomKey } from './rust-share.js';

const ME = '@me:example.org';
const ROOM = '!backup:example.org';
const backupCodes = (ds: readonly Decision[]) => ds.filter((d) => d.slice === 'backup').map((d) => d.code);

describe('interop: backups, secret storage and key exports with the Rust SDK', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let machine: RustSdk.OlmMachine;
  let identity: RustIdentity;
  let backupKey: RustSdk.BackupDecryptionKey;
  let authData: Record<string, unknown>;

  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    machine = await createRustDevice(ME, 'RUSTDEV');
    await rustKeysUpload(machine);
    identity = await rustBootstrapCrossSigning(machine);
    await ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([identity], { includeUserSigningKey: true }) } as never);
    // Rust creates a backup: a new key, auth_data signed by its device and its master key.
    backupKey = RustSdk.BackupDecryptionKey.createRandomKey();
    const unsigned = { public_key: backupKey.megolmV1PublicKey.publicKeyBase64 };
    const signatures = JSON.parse((await machine.sign(canonicalJson(unsigned))).asJSON()) as Record<string, Record<string, string>>;
    authData = { ...unsigned, signatures };
    await machine.saveBackupDecryptionKey(backupKey, '1');
    await machine.enableBackupV1(unsigned.public_key, '1');
  });
  afterEach(async () => {
    machine.close();
    await ledger.close();
    dir.cleanup();
  });

  /** Rust's secrets, in secret storage written by the spec's algorithm; returns the recovery key. */
  async function rustSecretsIn4S(): Promise<string> {
    const bundle = await (await machine.exportSecretsBundle());
    const storage = secretStorage('RUSTKEY', {
      'm.cross_signing.master': bundle.masterKey,
      'm.cross_signing.self_signing': bundle.selfSigningKey,
      'm.cross_signing.user_signing': bundle.userSigningKey,
      'm.megolm_backup.v1': bundle.backupBundle!.key,
    });
    await ledger.ingest({ kind: 'account_data', events: storage.events } as never);
    return encodeRecoveryKey(storage.key);
  }

  it('a backup Rust creates is untrusted here until our identity is; after cross-signing keys are imported from 4S it is backup.trusted_signature (master valid_trusted)', async () => {
    const first = await ledger.ingestUnknown(backupVersion('1', authData));
    assert.deepEqual(backupCodes(first.decisions), ['backup.untrusted']);
    const status = ledger.backupStatus();
    assert.equal(status.masterSignature, 'valid_untrusted');
    assert.equal(status.signatures.find((s) => s.deviceId === 'RUSTDEV')!.state, 'valid_untrusted');
    const bundle = await (await machine.exportSecretsBundle());
    const storage = secretStorage('XS', {
      'm.cross_signing.master': bundle.masterKey,
      'm.cross_signing.self_signing': bundle.selfSigningKey,
      'm.cross_signing.user_signing': bundle.userSigningKey,
    });
    await ledger.ingest({ kind: 'account_data', events: storage.events } as never);
    const opened = await ledger.openSecretStorage({ recoveryKey: encodeRecoveryKey(storage.key) });
    assert.equal(opened.crossSigning, 'own_cross_signing.keys_held');
    const after = ledger.backupStatus();
    assert.equal(after.code, 'backup.trusted_signature');
    assert.equal(after.masterSignature, 'valid_trusted');
    assert.equal(after.signatures.find((s) => s.deviceId === 'RUSTDEV')!.state, 'valid_trusted');
    assert.equal(ledger.mayBackUp().may, true);
  });

  it('the backup key Rust holds, in 4S, opens here with the recovery key; the keys Rust backs up (backupRoomKeys) restore here and decrypt its events', async () => {
    await ledger.ingestUnknown(backupVersion('1', authData));
    const opened = await ledger.openSecretStorage({ recoveryKey: await rustSecretsIn4S() });
    assert.ok(opened.stored.includes('m.megolm_backup.v1'));
    assert.equal(ledger.backupStatus().privateKeyHeld, true);
    await rustShareRoomKey(machine, ROOM, [ME]);
    const event = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { msgtype: 'm.text', body: 'backed up by Rust' });
    const request = await machine.backupRoomKeys();
    assert.ok(request, 'Rust made a keys backup request');
    const restored = await ledger.restoreBackup('1', JSON.parse(request.body) as { rooms: Record<string, { sessions: Record<string, unknown> }> });
    assert.deepEqual(backupCodes(restored.decisions), ['backup.restored']);
    assert.equal(restored.restored, 1);
    const decrypted = await ledger.decryptRoomEvent(ROOM, event);
    assert.equal((decrypted.plaintext?.content as { body?: string }).body, 'backed up by Rust');
    assert.equal(decrypted.session?.source, 'backup');
  });

  it('keys we back up, Rust restores with importBackedUpRoomKeys', async () => {
    await ledger.ingestUnknown(backupVersion('1', authData));
    await ledger.openSecretStorage({ recoveryKey: await rustSecretsIn4S() });
    await ledger.shareRoomKey(ROOM, [ME]);
    const content = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { msgtype: 'm.text', body: 'from keyledger' });
    const request = await ledger.backUpRoomKeys();
    assert.ok(request !== null && request.type === 'keys_backup');
    const rooms = new Map<RustSdk.RoomId, Map<string, unknown>>();
    for (const [roomId, room] of Object.entries(request.body.rooms)) {
      const sessions = new Map<string, unknown>();
      for (const [sessionId, data] of Object.entries(room.sessions)) {
        const sd = (data as { session_data: { ephemeral: string; mac: string; ciphertext: string } }).session_data;
        sessions.set(sessionId, JSON.parse(backupKey.decryptV1(sd.ephemeral, sd.mac, sd.ciphertext)));
      }
      rooms.set(new RustSdk.RoomId(roomId), sessions);
    }
    const result = await machine.importBackedUpRoomKeys(rooms, () => undefined, '1');
    assert.equal(result.importedCount, 1);
    const event = { event_id: '$kl', sender: ME, origin_server_ts: 1, type: 'm.room.encrypted', room_id: ROOM, content };
    const decrypted = await machine.decryptRoomEvent(JSON.stringify(event), new RustSdk.RoomId(ROOM), new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted));
    assert.equal((JSON.parse(decrypted.event) as { content: { body: string } }).content.body, 'from keyledger');
  });

  it('a key export from Rust imports here (room_key.imported), and ours imports into Rust', async () => {
    await rustShareRoomKey(machine, ROOM, [ME]);
    const event = await rustEncryptRoomEvent(machine, ROOM, 'm.room.message', { msgtype: 'm.text', body: 'exported by Rust' });
    const file = RustSdk.OlmMachine.encryptExportedRoomKeys(await machine.exportRoomKeys(() => true), 'rust pass', 1000);
    const imported = await ledger.importRoomKeys(file, 'rust pass');
    assert.deepEqual(imported, { imported: 1, refused: 0 });
    const decrypted = await ledger.decryptRoomEvent(ROOM, event);
    assert.equal((decrypted.plaintext?.content as { body?: string }).body, 'exported by Rust');
    assert.equal(decrypted.session?.source, 'import');

    await ledger.shareRoomKey(ROOM, [ME]);
    const ours = await ledger.encryptRoomEvent(ROOM, 'm.room.message', { msgtype: 'm.text', body: 'exported by keyledger' });
    const exported = await ledger.exportRoomKeys('kl pass');
    assert.equal((decryptKeyExport(exported, 'kl pass') as unknown[]).length, 2);
    const other = await createRustDevice(ME, 'RUST2');
    try {
      const result = await other.importExportedRoomKeys(RustSdk.OlmMachine.decryptExportedRoomKeys(exported, 'kl pass'), () => undefined);
      assert.equal(result.importedCount, 2);
      const e = { event_id: '$kl2', sender: ME, origin_server_ts: 1, type: 'm.room.encrypted', room_id: ROOM, content: ours };
      const d = await other.decryptRoomEvent(JSON.stringify(e), new RustSdk.RoomId(ROOM), new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted));
      assert.equal((JSON.parse(d.event) as { content: { body: string } }).content.body, 'exported by keyledger');
    } finally {
      other.close();
    }
  });
});
