import { strict as assert } from 'node:assert';
import { openLedger } from '../../src/index.js';
import { SimDevice } from '../../src/testkit/index.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ME = '@me:example.org';

describe('keyledger requests', () => {
  it('lists incoming and outgoing key and secret requests with their decisions and what was sent', async () => {
    const dir = tempDir('keyledger-requests-cli-');
    const desk = await SimDevice.create(ME, 'DESK');
    try {
      const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
      await ledger.ingest({ kind: 'keys_query', response: { device_keys: { [ME]: { DESK: desk.deviceKeys() as never } }, failures: {} } });
      await ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'DESK', ed25519: desk.ed25519 });
      const request = (sender: string, device: string, id: string) => ({
        type: 'm.room_key_request', sender,
        content: { action: 'request', requesting_device_id: device, request_id: id, body: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!r:example.org', session_id: 'S1' } },
      });
      await ledger.receiveSync({ to_device: { events: [request('@mallory:example.org', 'EVIL', 'in-evil'), request(ME, 'DESK', 'in-desk')] } });
      const ours = await ledger.requestSecret('m.megolm_backup.v1');
      await ledger.close();

      const r = await cli(['--db', dir.path, 'requests']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^incoming room_key request in-evil for S1\n {2}seq \d+ rejected key_request\.other_user \(device @mallory:example\.org EVIL\)$/m);
      assert.match(r.stdout, /^incoming room_key request in-desk for S1\n {2}seq \d+ rejected key_request\.unknown_session .*\n {2}seq \d+ sent room_key_withheld to DESK$/m);
      assert.match(r.stdout, new RegExp(`^outgoing secret request ${ours.requestId} for m\\.megolm_backup\\.v1\\n {2}seq \\d+ accepted secret_request\\.requested .*\\n {2}seq \\d+ sent secret_request to DESK$`, 'm'));
      const json = await cli(['--db', dir.path, 'requests', '--json']);
      const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { direction: string; request_id: string });
      assert.deepEqual(lines.map((l) => [l.direction, l.request_id]), [['incoming', 'in-evil'], ['incoming', 'in-desk'], ['outgoing', ours.requestId]]);
    } finally {
      desk.free();
      dir.cleanup();
    }
  });
});
