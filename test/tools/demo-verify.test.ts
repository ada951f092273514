/**
 * The demo's verification step: on the demo ledger, Bob verifies Alice's new tablet by
 * emoji against a second ledger; both show the same SAS, and the tablet turns `verified`
 * with the flow's done decision as its ground.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { deviceTrust, openLedger } from '../../src/index.js';
import { verifyAliceByEmoji } from '../../tools/demo/verify.js';
import { writeDemoLedger } from '../helpers/demo-ledger.js';
import { tempDir } from '../helpers/tmp.js';

describe('demo: Bob verifies Alice\'s new tablet by emoji (tools/demo/verify.ts)', function () {
  this.timeout(60_000);

  it('shows the same emoji on both screens and ALICETABLET turns verified; her laptop stays listed', async () => {
    const dir = tempDir('keyledger-demo-verify-');
    try {
      const path = join(dir.path, 'bob');
      await writeDemoLedger(path);
      const bob = await openLedger({ path, storeKey: 'keyledger test store key' });
      const lines: string[] = [];
      try {
        await verifyAliceByEmoji(bob, join(dir.path, 'alice'), (l = '') => lines.push(l));
        const trust = deviceTrust(bob.state(), '@alice:example.org', 'ALICETABLET');
        assert.deepEqual([trust.level, trust.reason], ['verified', 'verification.done']);
        assert.equal(deviceTrust(bob.state(), '@alice:example.org', 'ALICELAPTOP').reason !== 'device.deleted', true);
      } finally {
        await bob.close();
      }
      const screen = (who: string) => lines.find((l) => l.startsWith(`  ${who}'s screen:`))!.split(':').slice(1).join(':').trim();
      assert.equal(screen('Bob'), screen('Alice'));
      assert.match(screen('Bob'), /^(\S+ [^ ]+( [^ ]+)*\s{2}){6}\S+ .+\s{3}\d{4}-\d{4}-\d{4}$/u);
      assert.ok(lines.some((l) => l.includes('before: ALICETABLET unverified')));
      assert.ok(lines.some((l) => l.includes('after:  ALICETABLET verified (verification.done')));
    } finally {
      dir.cleanup();
    }
  });
});
