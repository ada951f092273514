/**
 * `keyledger ingest` reads bytes, not strings: a line over `--max-input` is hashed and
 * counted as it streams by (never held whole, so it cannot crash the CLI or lose the
 * lines before it), and a line that is not UTF-8 is logged byte for byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));

function run(args: readonly string[], nodeArgs: readonly string[] = []): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KEYLEDGER_STORE_KEY;
  delete env.KEYLEDGER_DB;
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const line = (n: number) => JSON.stringify({ kind: 'to_device', received_at: 1_700_000_000_000 + n, event: { type: 'm.dummy', sender: '@bob:example.org', content: { n } } });

describe('keyledger ingest: input bytes and the size cap', function () {
  this.timeout(180_000);

  it('logs a line over --max-input as input.too_large (length, SHA-256, first bytes) without holding it, keeps the lines around it, and keeps invalid UTF-8 exact', () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'db');
      assert.equal(run(['--db', db, 'init', '--user', '@alice:example.org', '--device', 'ALICEDEV']).code, 0);
      // 96 MiB on one line: the old readline reader held it as a string (several times over)
      // and died in a 64 MiB heap; the byte reader only hashes it.
      const file = join(dir.path, 'in.ndjson');
      const fd = openSync(file, 'w');
      const hash = createHash('sha256');
      const head = '{"kind":"to_device","event":{"type":"m.dummy","sender":"@b:x","content":{"pad":"';
      writeSync(fd, `${line(1)}\n`);
      writeSync(fd, head);
      hash.update(head);
      const block = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 96; i++) {
        writeSync(fd, block);
        hash.update(block);
      }
      writeSync(fd, '"}}}\n');
      hash.update('"}}}');
      const bad = Buffer.concat([Buffer.from('{"kind":"to_device","event":{"type":"m.dummy","sender":"@b:x","content":{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}}')]);
      writeSync(fd, bad);
      writeSync(fd, `\n${line(4)}`); // the last line has no newline
      closeSync(fd);
      const length = head.length + 96 * 1024 * 1024 + 4;

      const r = run(['--db', db, 'ingest', '--json', '--max-input', '1MiB', file], ['--max-old-space-size=64']);
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(out.map((o) => [o['line'], o['ok'], o['reason']]), [[1, true, undefined], [2, false, 'input.too_large'], [3, false, 'input.invalid_utf8'], [4, true, undefined], [undefined, undefined, undefined]]);
      assert.deepEqual(out[4], { summary: { ingested: 2, rejected: 2, lastSeq: 4 } });

      const log = run(['--db', db, 'log', '--json']);
      assert.equal(log.code, 0, log.stderr);
      const entries = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string; payload: Record<string, unknown> });
      const tooLarge = entries.find((e) => e.seq === 2)!;
      assert.equal(tooLarge.kind, 'rejected_input');
      assert.equal(tooLarge.payload['code'], 'input.too_large');
      assert.equal(tooLarge.payload['length'], length);
      assert.equal(tooLarge.payload['sha256'], hash.digest('hex'));
      assert.ok((tooLarge.payload['raw'] as string).startsWith(head));
      const notUtf8 = entries.find((e) => e.seq === 3)!;
      assert.equal(notUtf8.payload['code'], 'input.invalid_utf8');
      assert.deepEqual(Buffer.from(notUtf8.payload['raw_base64'] as string, 'base64'), bad);
      assert.equal(run(['--db', db, 'verify']).code, 0);
    } finally {
      dir.cleanup();
    }
  });

  it('rejects a --max-input that is not a size', () => {
    const r = run(['--db', '/nonexistent', 'ingest', '--max-input', 'lots', '-']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /expected a size in bytes/);
  });
});
