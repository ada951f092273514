import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecoveryKey, encryptKeyExport, openLedger } from '../../src/index.js';
import { SimDevice } from '../../src/testkit/index.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { backupKeyPair, backupVersion, secretStorage } from '../helpers/backup.js';
import { demoBackup } from '../../tools/demo/backup.js';

const ME = '@me:example.org';

describe('keyledger backup / recovery-key / export-keys / import-keys', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir('keyledger-backup-cli-')));
  afterEach(() => dir.cleanup());

  it('recovery-key reads the key from stdin (not a TTY), opens 4S, and backup then shows backup.trusted_key; nothing prints the key', async () => {
    const pair = await backupKeyPair();
    const storage = secretStorage('K1', { 'm.megolm_backup.v1': pair.secret });
    const recoveryKey = encodeRecoveryKey(storage.key);
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    await ledger.ingestUnknown({ kind: 'account_data', events: storage.events });
    await ledger.ingestUnknown(backupVersion('3', { public_key: pair.publicKey }));
    await ledger.close();
    const before = await cli(['--db', dir.path, 'backup']);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /trust\s+backup\.untrusted/);
    assert.match(before.stdout, /may upload\s+no/);
    assert.match(before.stdout, /master signature\s+missing/);
    const wrong = await cli(['--db', dir.path, 'recovery-key'], `${encodeRecoveryKey(secretStorage('K1', {}).key)}\n`);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /does not open secret storage key K1/);
    const opened = await cli(['--db', dir.path, 'recovery-key'], `${recoveryKey}\n`);
    assert.equal(opened.code, 0, opened.stderr);
    assert.match(opened.stdout, /^opened secret storage key K1$/m);
    assert.match(opened.stdout, /^stored m\.megolm_backup\.v1$/m);
    assert.match(opened.stdout, /^backup 3: backup\.trusted_key$/m);
    const after = await cli(['--db', dir.path, 'backup', '--json']);
    const status = JSON.parse(after.stdout) as { code: string; may: boolean; privateKeyHeld: boolean };
    assert.deepEqual([status.code, status.may, status.privateKeyHeld], ['backup.trusted_key', true, true]);
    for (const r of [before, wrong, opened, after]) assert.ok(!r.stdout.includes(recoveryKey) && !r.stderr.includes(recoveryKey) && !r.stdout.includes(pair.secret));
    const mistyped = await cli(['--db', dir.path, 'recovery-key'], 'EsT1 nope\n');
    assert.equal(mistyped.code, 3);
    assert.doesNotMatch(mistyped.stderr, /EsT1/);
  });

  it('import-keys FILE takes the passphrase from stdin; export-keys writes a file that imports back', async () => {
    const device = await SimDevice.create('@alice:example.org', 'ALICEDEV');
    const s = device.createOutboundSession('!r:example.org');
    const file = join(dir.path, 'keys.txt');
    writeFileSync(file, encryptKeyExport([{
      algorithm: 'm.megolm.v1.aes-sha2', forwarding_curve25519_key_chain: [], room_id: '!r:example.org', sender_key: device.curve25519,
      sender_claimed_keys: { ed25519: device.ed25519 }, session_id: s.sessionId, session_key: await s.exportAt(0),
    }], 'secret words', 1000));
    const db = join(dir.path, 'db');
    await (await openLedger({ path: db, userId: ME, deviceId: 'MEDEV', unencryptedVault: true })).close();
    const bad = await cli(['--db', db, 'import-keys', file], 'wrong\n');
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /wrong passphrase/);
    const imported = await cli(['--db', db, 'import-keys', file], 'secret words\n');
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout.trim(), 'imported 1, refused 0');
    const exported = await cli(['--db', db, 'export-keys'], 'other words\n');
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /^-----BEGIN MEGOLM SESSION DATA-----\n/);
    const out = join(dir.path, 'out.txt');
    writeFileSync(out, exported.stdout);
    const db2 = join(dir.path, 'db2');
    await (await openLedger({ path: db2, userId: ME, deviceId: 'OTHER', unencryptedVault: true })).close();
    const again = await cli(['--db', db2, 'import-keys', out], 'other words\n');
    assert.equal(again.stdout.trim(), 'imported 1, refused 0');
    const empty = await cli(['--db', db2, 'export-keys'], '');
    assert.equal(empty.code, 2);
    s.free();
    device.free();
  });

  it('the demo\'s backup step ends with the server\'s made-up backup refused: backup.untrusted, then backup.upload_refused', async () => {
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    const lines: string[] = [];
    try {
      await demoBackup(ledger, (line = '') => lines.push(line));
    } finally {
      await ledger.close();
    }
    const text = lines.join('\n');
    assert.match(text, /→ rejected backup\.untrusted/);
    assert.match(text, /our device's signature: invalid; our master key's: missing; may upload: no/);
    assert.match(text, /backUpRoomKeys → refused: backup\.upload_refused \(backup\.untrusted\)/);
  });
});
