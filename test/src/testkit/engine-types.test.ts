import assert from 'node:assert/strict';
import { openLedger, type KeysUploadBody, type SignedDeviceKeys } from '../../../src/index.js';
import { SimUser, keysQueryResponse, type DeviceKeys, type KeysQueryResponse } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * The testkit's JSON types and the engine's agree: what a ledger hands out goes into the
 * testkit, and what the testkit makes goes into the ledger, with no cast. This file is
 * compiled by `npm test`, so a cast creeping back in would be needed to build it.
 */
describe('testkit: its types are the engine\'s', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('bob.crossSign(ledger.deviceKeys()) needs no cast, and the ledger takes the result as cross-signed', async () => {
    const ledger = await openLedger({ path: dir.path, userId: '@bob:example.org', deviceId: 'BOBPHONE', unencryptedVault: true });
    const bob = await SimUser.create('@bob:example.org');
    try {
      const engineKeys: SignedDeviceKeys = ledger.deviceKeys();
      const asTestkit: DeviceKeys = engineKeys; // engine → testkit
      const signed = bob.crossSign(ledger.deviceKeys());
      const backToEngine: SignedDeviceKeys = signed; // and the result is still the engine's type
      assert.equal(asTestkit.device_id, 'BOBPHONE');
      assert.ok(backToEngine.signatures['@bob:example.org']![`ed25519:${bob.publicKey('self_signing')}`]);

      const upload: KeysUploadBody = await ledger.publishKeys({ withDeviceKeys: true });
      const response: KeysQueryResponse = keysQueryResponse({ users: [{ user: bob, devices: [upload.device_keys!] }] });
      const result = await ledger.ingest({ kind: 'keys_query', response }); // testkit → engine
      assert.deepEqual(result.decisions.filter((d) => d.outcome === 'rejected'), []);
      assert.ok(
        result.decisions.some((d) => d.code === 'device.cross_signed' && d.subject === 'device @bob:example.org BOBPHONE'),
        result.decisions.map((d) => d.code).join(', '),
      );
    } finally {
      bob.free();
      await ledger.close();
    }
  });
});
