/**
 * Runs in its own process so start-up is cold and peak RSS belongs to the measured work
 * alone. argv: `ledger PATH` (open, then replay from zero with every slice), `skeleton
 * PATH` (the same with the core's slices only) or `raw PATH` (read and parse the same log
 * with classic-level only). Prints one JSON line.
 */
import { Level } from 'level';
import { defaultSlices, openLedger } from '../../src/index.js';

const [mode, path] = process.argv.slice(2) as ['ledger' | 'skeleton' | 'raw', string];
const t0 = process.hrtime.bigint();
const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

if (mode === 'raw') {
  const db = new Level<string, string>(path, { valueEncoding: 'utf8' });
  await db.open();
  const opened = since(t0);
  const t1 = process.hrtime.bigint();
  const it = db.sublevel<string, string>('log', { valueEncoding: 'utf8' }).iterator();
  let n = 0;
  for (;;) {
    const chunk = await it.nextv(2048);
    if (chunk.length === 0) break;
    for (const [, v] of chunk) if (JSON.parse(v) !== null) n++;
  }
  await it.close();
  const read = since(t1);
  await db.close();
  process.stdout.write(`${JSON.stringify({ opened, read, entries: n, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
} else {
  // `skeleton`: the core's own slices only (log, identities), as issue #2 measures the runtime.
  const slices = mode === 'skeleton' ? defaultSlices.filter((s) => s.name === 'log' || s.name === 'identities') : defaultSlices;
  const ledger = await openLedger({ path, readOnly: true, slices });
  const opened = since(t0);
  const t1 = process.hrtime.bigint();
  const { entries } = await ledger.replay();
  const read = since(t1);
  await ledger.close();
  process.stdout.write(`${JSON.stringify({ opened, read, entries, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
}
