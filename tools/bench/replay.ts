import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openLedger } from '../../src/index.js';
import { fmt, roomEnvelope, scratch, seconds } from './util.js';

interface ChildResult {
  opened: number;
  read: number;
  entries: number;
  maxRss: number;
}

const child = fileURLToPath(new URL('./replay-child.js', import.meta.url));
const run = (mode: 'ledger' | 'skeleton' | 'raw', path: string): ChildResult =>
  JSON.parse(execFileSync(process.execPath, [child, mode, path], { encoding: 'utf8' })) as ChildResult;

/**
 * Replay throughput from zero over an n-entry log, start-up time from the latest
 * snapshot, and peak RSS during the replay; each in a fresh process, beside a raw
 * classic-level read-and-parse of the same log.
 */
export async function benchReplay(n: number): Promise<string[]> {
  const dir = scratch('replay');
  try {
    const ledger = await openLedger({ path: dir.path, userId: '@bench:example.org', deviceId: 'BENCH', snapshotEvery: 100_000, unencryptedVault: true });
    const CHUNK = 2_000;
    const built = await seconds(async () => {
      // Each encrypted event is logged with the fact that says it could not be decrypted
      // (no key in this log), so n entries take about n / 2 inputs.
      for (let i = 0; ledger.headSeq() + 1 < n; i += CHUNK) {
        const count = Math.min(CHUNK, Math.ceil((n - ledger.headSeq() - 1) / 2));
        await ledger.ingestMany(Array.from({ length: count }, (_, j) => roomEnvelope(i + j)));
      }
    });
    await ledger.close();
    const raw = run('raw', dir.path);
    const medianRun = (mode: 'ledger' | 'skeleton') => [run(mode, dir.path), run(mode, dir.path), run(mode, dir.path)].sort((a, b) => a.read - b.read)[1]!;
    const replay = medianRun('skeleton');
    const full = medianRun('ledger');
    const startup = full.opened;
    const mb = (b: number) => `${fmt(b / 2 ** 20)} MB`;
    return [
      `A log of ${fmt(replay.entries)} entries (encrypted room events without their keys, each with the fact that says so), built with \`ingestMany\` in ${fmt(built, 1)} s (${fmt(n / built)} entries/s, input and fact together). Each figure is from a fresh process (median of 3).`,
      '',
      '| measure | keyledger | baseline | ratio | target |',
      '| --- | ---: | ---: | ---: | --- |',
      `| replay from zero, the core's slices (log, identities) | ${fmt(replay.entries / replay.read)} entries/s | raw read + \`JSON.parse\`: ${fmt(raw.entries / raw.read)} entries/s | ${fmt(raw.read / replay.read, 2)}× | ≥ 200,000 entries/s |`,
      `| replay from zero, every slice (olm, megolm judge each event) | ${fmt(full.entries / full.read)} entries/s | same | ${fmt(raw.read / full.read, 2)}× | — |`,
      `| start-up from the latest snapshot (process already running; incl. olm init) | ${fmt(startup * 1000)} ms | raw classic-level open: ${fmt(raw.opened * 1000)} ms | ${fmt(startup / raw.opened, 1)}× the raw open | ≤ 300 ms |`,
      `| peak RSS of the replaying process (every slice) | ${mb(full.maxRss)} | raw read process: ${mb(raw.maxRss)} | ${fmt(full.maxRss / raw.maxRss, 2)}× | ≤ 512 MB |`,
    ];
  } finally {
    dir.cleanup();
  }
}
