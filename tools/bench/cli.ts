import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger } from '../../src/index.js';
import { fmt, roomEnvelope, scratch, seconds } from './util.js';

const child = fileURLToPath(new URL('./cli-child.js', import.meta.url));
const replayChild = fileURLToPath(new URL('./replay-child.js', import.meta.url));

/**
 * The commands that read a whole log (`verify`, `report` as text, JSON and HTML,
 * `decisions`) on an n-entry log, each in a fresh process: time and peak RSS, beside a raw
 * classic-level read-and-parse of the same log.
 */
export async function benchCli(n: number): Promise<string[]> {
  const dir = scratch('cli');
  const out = scratch('cli-out'); // the HTML report, beside the log rather than in its folder
  try {
    const ledger = await openLedger({ path: dir.path, userId: '@bench:example.org', deviceId: 'BENCH', unencryptedVault: true, snapshotEvery: 100_000 });
    const CHUNK = 2_000;
    // Each encrypted event without its key is logged with the fact that says so, and one
    // flagged decision (megolm.undecryptable): n entries, about n / 2 decisions.
    const built = await seconds(async () => {
      for (let i = 0; ledger.headSeq() + 1 < n; i += CHUNK) {
        const count = Math.min(CHUNK, Math.ceil((n - ledger.headSeq() - 1) / 2));
        await ledger.ingestMany(Array.from({ length: count }, (_, j) => roomEnvelope(i + j)));
      }
    });
    const entries = ledger.headSeq() + 1;
    await ledger.close();
    const raw = JSON.parse(execFileSync(process.execPath, [replayChild, 'raw', dir.path], { encoding: 'utf8' })) as { read: number; opened: number; maxRss: number };
    const command = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [child, '--db', dir.path, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 })) as { code: number; seconds: number; maxRss: number };
    const rows: [string, { code: number; seconds: number; maxRss: number }][] = [
      ['`verify`', command('verify')],
      ['`report`', command('report')],
      ['`report --json`', command('report', '--json')],
      ['`report --html`', command('report', '--html', join(out.path, 'report.html'))],
      ['`decisions`', command('decisions')],
      ['`decisions --json`', command('decisions', '--json')],
    ];
    const mb = (b: number) => `${fmt(b / 2 ** 20)} MB`;
    const rawSeconds = raw.opened + raw.read;
    return [
      `A log of ${fmt(entries)} entries (encrypted room events without their keys, each with its fact and a flagged decision), built in ${fmt(built, 1)} s. Each command runs in a fresh process with its output discarded; the baseline opens the same log with classic-level and reads and parses every entry.`,
      '',
      '| command | time | peak RSS | time / raw read | raw read: time, peak RSS |',
      '| --- | ---: | ---: | ---: | --- |',
      ...rows.map(([name, r]) => `| ${name}${r.code === 0 ? '' : ` (exit ${r.code})`} | ${fmt(r.seconds, 2)} s | ${mb(r.maxRss)} | ${fmt(r.seconds / rawSeconds, 1)}× | ${fmt(rawSeconds, 2)} s, ${mb(raw.maxRss)} |`),
    ];
  } finally {
    dir.cleanup();
    out.cleanup();
  }
}
