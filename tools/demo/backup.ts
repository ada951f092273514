/**
 * The demo's backup step: the server hands us a key backup whose `auth_data` it made up
 * (an attacker's public key, no valid signature of ours). The ledger judges it untrusted,
 * and asking to back our room keys up is refused with its code: nothing goes to the server.
 */
import { BackupNotTrustedError, type Ledger } from '../../src/index.js';
import { SimDevice } from '../../src/testkit/index.js';

export async function demoBackup(ledger: Ledger, out: (line?: string) => void): Promise<void> {
  out('\nThe server says there is a key backup (version 7): its auth_data names a public key of its own, with no valid signature of ours:');
  const attacker = await SimDevice.create('@mallory:example.org', 'MALLORY');
  try {
    const result = await ledger.ingest({
      kind: 'backup_version',
      response: {
        algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2',
        auth_data: { public_key: attacker.curve25519, signatures: { [ledger.owner.userId]: { [`ed25519:${ledger.owner.deviceId}`]: 'A'.repeat(86) } } },
        count: 0, etag: '0', version: '7',
      },
    });
    for (const d of result.decisions) out(`  seq ${result.seq}  → ${d.outcome} ${d.code}`);
  } finally {
    attacker.free();
  }
  const status = ledger.backupStatus();
  out(`  our device's signature: ${status.ownDeviceSignature}; our master key's: ${status.masterSignature}; may upload: ${status.may ? 'yes' : 'no'}`);
  try {
    await ledger.backUpRoomKeys();
    out('  backUpRoomKeys: sent (unexpected)');
  } catch (err) {
    if (!(err instanceof BackupNotTrustedError)) throw err;
    out(`  backUpRoomKeys → refused: backup.upload_refused (${err.reason}); no keys_backup request was made`);
  }
}
