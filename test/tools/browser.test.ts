import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { bundledChromium } from '../helpers/browser.js';

/** What every glibc Linux has: the C library and the GCC runtime (Debian's essential set). */
const BASE_SYSTEM = /^(linux-vdso|ld-linux-x86-64|libc|libm|libdl|libpthread|librt|libgcc_s)\.so/;

describe('the bundled headless Chromium (npm ci installs it, no system package)', function () {
  this.timeout(120_000);

  it('needs nothing from the system beyond glibc: every other library comes with the package', async () => {
    const { executable, env } = await bundledChromium();
    const r = spawnSync('ldd', [executable], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    const libs = r.stdout.split('\n').filter((l) => l.trim()).map((l) => {
      const m = /^\s*(\S+)(?:\s+=>\s+(\S+))?/.exec(l)!;
      return { name: m[1]!, path: m[2] ?? m[1]! };
    });
    assert.deepEqual(libs.filter((l) => l.path === 'not'), [], 'a library is missing');
    const fromSystem = libs.filter((l) => !BASE_SYSTEM.test(l.name.replace(/^.*\//, '')) && !l.path.startsWith(dirname(executable)));
    assert.deepEqual(fromSystem, [], 'libraries a bare Debian may lack must come from the bundle');
  });
});
