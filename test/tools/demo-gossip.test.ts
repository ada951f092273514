import { strict as assert } from 'node:assert';
import { openLedger } from '../../src/index.js';
import { demoGossip } from '../../tools/demo/gossip.js';
import { tempDir } from '../helpers/tmp.js';

describe('demo: the gossip step', () => {
  it('shows two key requests refused with their codes', async () => {
    const dir = tempDir('keyledger-demo-gossip-');
    const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'MEDEV', unencryptedVault: true });
    try {
      const lines: string[] = [];
      await demoGossip(ledger, (l = '') => lines.push(l));
      const text = lines.join('\n');
      assert.match(text, /request from @mallory:example\.org EVIL\n {10}→ rejected key_request\.other_user/);
      assert.match(text, /request from @me:example\.org BOBTABLET \(ours, never verified\)\n {10}→ rejected key_request\.unverified_device/);
    } finally {
      await ledger.close();
      dir.cleanup();
    }
  });
});
