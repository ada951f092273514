import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger } from '../../src/open.js';
import { fitWidths, table, tableLines } from '../../tools/format.js';
import { Progress } from '../../tools/progress.js';
import { DEVICE, USER } from '../helpers/damage.js';
import { roomEnvelope, tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));

/** A decision row as `keyledger decisions` prints it, with a long subject and detail. */
function* decisionRows(n: number): Generator<string[]> {
  for (let i = 0; i < n; i++) {
    yield [String(i), 'rejected', 'forwarded_key.untrusted_sender', `session !room${i % 97}:example.org K2Lh3VOxE0Vw9+2J8sBwdvKFI3Vn3pXGlnUpeAWAbcQ X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ`, String(i - 1), `cause=no_session room_id=!room${i}:example.org`];
  }
}

/** A stream that keeps what is written, with `isTTY` as asked. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const s = new Writable({
    write(chunk: Buffer, _enc, done) {
      s.text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY: boolean; text: string };
  s.isTTY = isTTY;
  s.text = '';
  return s;
}

describe('tables at a million rows', function () {
  this.timeout(60_000);

  it('table() takes 200k rows (Math.max(...rows) overflowed the stack at about 125k)', () => {
    const rows = [...decisionRows(200_000)];
    const lines = table(['SEQ', 'OUTCOME', 'CODE', 'SUBJECT', 'BECAUSE', 'DETAIL'], rows);
    assert.equal(lines.length, 200_001);
  });

  it('tableLines() streams 1M decisions, every line within the width', async () => {
    let count = 0;
    let widest = 0;
    // The rows are made one at a time and each line is dropped once counted: only the
    // sample of 1,000 rows is ever held.
    for await (const line of tableLines(['SEQ', 'OUTCOME', 'CODE', 'SUBJECT', 'BECAUSE', 'DETAIL'], decisionRows(1_000_000), { width: 100, flexible: [3, 4, 5, 2] })) {
      count++;
      widest = Math.max(widest, line.length);
    }
    assert.equal(count, 1_000_001);
    assert.ok(widest <= 100, `a line of ${widest} characters`);
  });

  it('fitWidths() narrows the widest flexible column first, never below the minimum', () => {
    assert.deepEqual(fitWidths([3, 8, 30, 115, 5, 60], 120, [3, 5, 2]), [3, 8, 30, 32, 5, 32]);
    assert.deepEqual(fitWidths([3, 8], 120, [0, 1]), [3, 8]);
    assert.deepEqual(fitWidths([20, 20], 10, [0, 1], 8), [8, 8]);
  });

  it('the progress bar shows on a terminal after its delay, never when piped or --quiet, and erases itself', () => {
    let t = 0;
    const tty = sink(true);
    const bar = new Progress(tty, { label: 'verifying', unit: 'entries', now: () => t });
    bar.update(10, 1000);
    assert.equal(tty.text, '', 'drawn before a second had passed');
    t = 1500;
    bar.update(500, 1000);
    assert.match(tty.text, /verifying \[#{12}-{12}\] 500 \/ 1,000 entries/);
    bar.done();
    assert.ok(tty.text.endsWith('\r\x1b[K'));
    for (const [stream, quiet] of [[sink(false), false], [sink(true), true]] as const) {
      const p = new Progress(stream, { label: 'verifying', unit: 'entries', now: () => t, quiet });
      t += 5000;
      p.update(1, 2);
      p.done();
      assert.equal(stream.text, '');
    }
  });

  it('keyledger decisions fits COLUMNS when piped, keeps values whole with --json, and prints no progress', async () => {
    const dir = tempDir('keyledger-table-');
    try {
      const path = join(dir.path, 'ledger');
      const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true });
      await ledger.ingestMany(Array.from({ length: 3000 }, (_, i) => roomEnvelope(i)));
      await ledger.close();
      const env = { ...process.env, COLUMNS: '80' };
      const text = spawnSync(process.execPath, [CLI, '--db', path, 'decisions'], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
      assert.equal(text.status, 0, text.stderr);
      assert.equal(text.stderr, '');
      const lines = text.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 3001);
      assert.match(lines[0]!, /^SEQ\s+OUTCOME\s+CODE\s+SUBJECT\s+BECAUSE\s+DETAIL$/);
      assert.ok(lines.every((l) => l.length <= 80), `a line of ${Math.max(...lines.slice(0, 100).map((l) => l.length))} characters`);
      assert.ok(lines[1]!.includes('…'), 'the detail was not cut to the width');
      const json = spawnSync(process.execPath, [CLI, '--db', path, 'decisions', '--json'], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
      const first = JSON.parse(json.stdout.split('\n')[0]!) as { detail: { session_id: string } };
      assert.equal(first.detail.session_id, 'X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ');
    } finally {
      dir.cleanup();
    }
  });
});
