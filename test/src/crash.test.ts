import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openLedger, type LedgerEntry } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';

const child = fileURLToPath(new URL('../helpers/crash-child.js', import.meta.url));

/** Runs the child until it has acknowledged some groups, then SIGKILLs it at a random moment. */
function runAndKill(path: string, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, path, '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let maxAck = -1;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [word, , last] = line.split(' ');
        if (word === 'ready') timer ??= setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        if (word === 'ack') maxAck = Math.max(maxAck, Number(last));
      }
    });
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own: ${stderr}`));
      else resolve(maxAck);
    });
  });
}

describe('crash safety', function () {
  this.timeout(240_000);

  it('keeps every acknowledged entry, no partial batch and a valid chain across 20 SIGKILLs', async () => {
    const dir = tempDir();
    try {
      let everAcked = -1;
      for (let round = 0; round < 20; round++) {
        const acked = await runAndKill(dir.path, 150 + Math.floor(Math.random() * 400));
        everAcked = Math.max(everAcked, acked);
        const ledger = await openLedger({ path: dir.path, readOnly: true });
        try {
          assert.ok(ledger.headSeq() >= everAcked, `round ${round}: acknowledged ${everAcked}, log ends at ${ledger.headSeq()}`);
          const report = await ledger.verify();
          assert.equal(report.ok, true, `round ${round}: ${JSON.stringify(report.problems)}`);
          // Every group written in one batch is whole.
          const groups = new Map<number, { size: number; seen: number }>();
          for await (const e of ledger.entries() as AsyncIterable<LedgerEntry> as AsyncIterable<LedgerEntry<string, { group?: number; group_size?: number }>>) {
            const g = e.payload.group;
            if (g === undefined) continue;
            const rec = groups.get(g) ?? { size: e.payload.group_size!, seen: 0 };
            rec.seen++;
            groups.set(g, rec);
          }
          for (const [g, rec] of groups) assert.equal(rec.seen, rec.size, `round ${round}: group ${g} is partial`);
        } finally {
          await ledger.close();
        }
      }
      assert.ok(everAcked > 20, 'the child acknowledged entries');
    } finally {
      dir.cleanup();
    }
  });
});
