/**
 * `npm run demo` as a newcomer runs it: the whole script, in a child process, on a fresh
 * folder. It must end with Bob's reply read by Alice's phone (the Rust SDK), and `shares
 * --event` must then say who held the key to that reply.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DEMO = join(fileURLToPath(new URL('.', import.meta.url)), '../../tools/demo.js');

describe('npm run demo', function () {
  this.timeout(120_000);
  it('ends with Bob replying and Alice\'s Rust SDK phone reading the reply from his device; shares --event names who could read it', async () => {
    const dir = tempDir('keyledger-demo-');
    try {
      const path = join(dir.path, 'demo');
      const { stdout } = await promisify(execFile)(process.execPath, [DEMO, path], { maxBuffer: 16 * 1024 * 1024 });
      assert.match(stdout, /accepted room_key_share\.shared +device @alice:example\.org ALICEPHONE/);
      assert.match(stdout, /Alice's phone \(Rust SDK\) reads: "Noon is perfect, see you there!" +\[from @bob:example\.org BOBPHONE\]/);
      assert.match(stdout, /Bob reads his own echo: index 0, authenticated/);
      assert.match(stdout, /request from @bob:example\.org BOBTABLET \(ours, never verified\)\n {10}→ rejected key_request\.unverified_device/);
      assert.match(stdout, /verify: ok/);
      assert.doesNotMatch(stdout, /could NOT decrypt/);
      const shares = await cli(['--db', path, 'shares', '--event', '$bob-replies', '--json'], '', { KEYLEDGER_STORE_KEY: 'keyledger demo store key' });
      assert.equal(shares.code, 0, shares.stderr);
      const devices = (JSON.parse(shares.stdout) as { devices: { device_id: string; status: string }[] }).devices;
      assert.deepEqual(devices.map((d) => `${d.device_id} ${d.status}`).sort(), ['ALICELAPTOP could_read', 'ALICEPHONE could_read']);
    } finally {
      dir.cleanup();
    }
  });
});
