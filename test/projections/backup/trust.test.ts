/**
 * The backup slice, through a real ledger: `auth_data` signed by real keys (olm), backup
 * keys made by olm, sessions encrypted to them as the spec says. Given/when/then, the code
 * in each title.
 */
import { strict as assert } from 'node:assert';
import { encodeRecoveryKey, type Decision } from '../../../src/index.js';
import { keysQueryResponse, type SimDevice, type SimUser } from '../../../src/testkit/index.js';
import { signJson } from '../../../src/testkit/signing.js';
import { LedgerWorld, ME, user, freeAll } from '../../helpers/slices.js';
import { backupKeyPair, backupVersion } from '../../helpers/backup.js';

const codes = (ds: readonly Decision[]) => ds.filter((d) => d.slice === 'backup').map((d) => d.code);

describe('backup: is the auth_data trusted? (Server-side key backups)', () => {
  let w: LedgerWorld;
  let me: SimUser;
  let other: SimDevice;

  beforeEach(async () => {
    w = await LedgerWorld.create();
    me = await user(ME, 'OTHERDEV');
    other = me.devices.get('OTHERDEV')!;
    await w.keysQueryBody(keysQueryResponse({ users: [{ user: me, devices: [w.myDeviceKeys(), other], includeUserSigningKey: true }] }));
  });
  afterEach(async () => { await w.free(); freeAll(); });

  const trustOwnIdentity = () => w.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') });

  it('given our identity trusted, when the backup is signed by our master key, then backup.trusted_signature and the master signature is valid_trusted', async () => {
    await trustOwnIdentity();
    const { publicKey } = await backupKeyPair();
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('1', me.signAs('master', { public_key: publicKey })) });
    assert.deepEqual(codes(d), ['backup.trusted_signature']);
    const status = w.ledger.backupStatus();
    assert.equal(status.masterSignature, 'valid_trusted');
    assert.equal(status.ownDeviceSignature, 'missing');
    assert.deepEqual(w.ledger.mayBackUp(), { may: true, code: 'backup.trusted_signature', version: '1', seq: status.seq });
  });

  it('given our identity not trusted, when the backup is signed by our master key, then backup.untrusted (valid_untrusted); once we trust it, backup.trusted_signature at that action', async () => {
    const { publicKey } = await backupKeyPair();
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('1', me.signAs('master', { public_key: publicKey })) });
    assert.deepEqual(codes(d), ['backup.untrusted']);
    assert.equal(w.ledger.backupStatus().masterSignature, 'valid_untrusted');
    assert.equal(w.ledger.mayBackUp().may, false);
    const after = await trustOwnIdentity();
    assert.deepEqual(codes(after), ['backup.trusted_signature']);
    assert.equal(w.ledger.backupStatus().masterSignature, 'valid_trusted');
    assert.equal(w.ledger.mayBackUp().may, true);
  });

  it('when the master key\'s signature covers other content, then it is invalid and backup.untrusted, even with our identity trusted', async () => {
    await trustOwnIdentity();
    const { publicKey } = await backupKeyPair();
    const attacker = await backupKeyPair();
    const signed = me.signAs('master', { public_key: publicKey });
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('1', { public_key: attacker.publicKey, signatures: signed.signatures }) });
    assert.deepEqual(codes(d), ['backup.untrusted']);
    assert.equal(w.ledger.backupStatus().masterSignature, 'invalid');
  });

  it('when signed by a verified device of ours, then backup.trusted_signature; by the same device unverified, backup.untrusted (valid_untrusted)', async () => {
    const { publicKey } = await backupKeyPair();
    const authData = signJson(other, { public_key: publicKey }, ME, 'ed25519:OTHERDEV');
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('1', authData) });
    assert.deepEqual(codes(d), ['backup.untrusted']);
    assert.equal(w.ledger.backupStatus().signatures.find((s) => s.deviceId === 'OTHERDEV')!.state, 'valid_untrusted');
    const after = await w.action('verify_device', { user_id: ME, device_id: 'OTHERDEV', ed25519: other.ed25519 });
    assert.deepEqual(codes(after), ['backup.trusted_signature']);
    assert.equal(w.ledger.backupStatus().signatures.find((s) => s.deviceId === 'OTHERDEV')!.state, 'valid_trusted');
  });

  it('attack: the server sets auth_data with its own public key and no valid signature: backup.untrusted, nothing may be uploaded, keys from it are refused (backup.restore_untrusted)', async () => {
    await trustOwnIdentity();
    const attacker = await backupKeyPair();
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('7', { public_key: attacker.publicKey, signatures: { [ME]: { [me.keyId('master')]: 'A'.repeat(86) } } }) });
    assert.deepEqual(codes(d), ['backup.untrusted']);
    assert.deepEqual(w.ledger.mayBackUp(), { may: false, code: 'backup.untrusted', version: '7', seq: d[0]!.seq });
    const status = w.ledger.backupStatus();
    assert.equal(status.masterSignature, 'invalid');
    assert.equal(status.ownDeviceSignature, 'missing');
    const restore = await w.ledger.restoreBackup('7', { rooms: { '!r:example.org': { sessions: { s: {} } } } });
    assert.deepEqual(codes(restore.decisions), ['backup.restore_untrusted']);
    assert.equal(restore.restored, 0);
  });

  it('when the user enters the backup key, then secret.stored (source user) and a backup with its public key is backup.trusted_key; the log holds the public key only', async () => {
    const pair = await backupKeyPair();
    const recoveryKey = encodeRecoveryKey(pair.privateKey);
    const entered = await w.ledger.enterBackupKey(recoveryKey);
    assert.equal(entered.publicKey, pair.publicKey);
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('2', { public_key: pair.publicKey }) });
    assert.deepEqual(codes(d), ['backup.trusted_key']);
    assert.equal(w.ledger.backupStatus().privateKeyHeld, true);
    const all = await w.ledger.recordedDecisions();
    const stored = all.find((x) => x.code === 'secret.stored')!;
    assert.deepEqual(stored.detail, { name: 'm.megolm_backup.v1', source: 'user', public_key: pair.publicKey, request_id: null });
    const log = JSON.stringify(await collect(w));
    assert.ok(!log.includes(pair.secret) && !log.includes(recoveryKey.replace(/ /g, '')) && !log.includes(recoveryKey), 'no secret in the log');
  });

  it('given a trusted key for one public key, when the backup names another, then backup.untrusted', async () => {
    const pair = await backupKeyPair();
    await w.ledger.enterBackupKey(encodeRecoveryKey(pair.privateKey));
    const attacker = await backupKeyPair();
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('2', { public_key: attacker.publicKey }) });
    assert.deepEqual(codes(d), ['backup.untrusted']);
  });

  it('when auth_data changes under the same version, then backup.auth_data_changed (flagged) and it is judged afresh; a new version starts over', async () => {
    await trustOwnIdentity();
    const { publicKey } = await backupKeyPair();
    await w.ingest({ kind: 'backup_version', payload: backupVersion('3', me.signAs('master', { public_key: publicKey })) });
    const attacker = await backupKeyPair();
    const d = await w.ingest({ kind: 'backup_version', payload: backupVersion('3', { public_key: attacker.publicKey }) });
    assert.deepEqual(codes(d), ['backup.auth_data_changed', 'backup.untrusted']);
    assert.equal(d.find((x) => x.code === 'backup.auth_data_changed')!.outcome, 'flagged');
    const next = await w.ingest({ kind: 'backup_version', payload: backupVersion('4', me.signAs('master', { public_key: publicKey })) });
    assert.deepEqual(codes(next), ['backup.trusted_signature']);
  });

  it('when the algorithm is unknown, then backup.unknown_algorithm; when the public key is not one, backup.invalid_public_key', async () => {
    await trustOwnIdentity();
    const a = await w.ingest({ kind: 'backup_version', payload: backupVersion('5', { whatever: 1 }, 'org.example.other') });
    assert.deepEqual(codes(a), ['backup.unknown_algorithm']);
    const b = await w.ingest({ kind: 'backup_version', payload: backupVersion('6', me.signAs('master', { public_key: 'not a key' })) });
    assert.deepEqual(codes(b), ['backup.invalid_public_key']);
    assert.equal(w.ledger.mayBackUp().may, false);
  });

  it('a replay of the log gives the same verdicts and state', async () => {
    await trustOwnIdentity();
    const { publicKey } = await backupKeyPair();
    await w.ingest({ kind: 'backup_version', payload: backupVersion('1', me.signAs('master', { public_key: publicKey })) });
    const replayed = await w.ledger.replay();
    assert.equal(w.ledger.stateHash(replayed.state), w.ledger.stateHash());
  });
});

/** Every entry of the ledger, as logged. */
async function collect(w: LedgerWorld): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of w.ledger.entries()) out.push(e);
  return out;
}

