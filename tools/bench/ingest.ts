import { Level } from 'level';
import { openLedger } from '../../src/index.js';
import { fmt, roomEnvelope, scratch, seconds } from './util.js';

const WINDOW = 500;

/**
 * Ingest throughput with default durability (concurrent ingest calls, grouped into one
 * batch), against raw classic-level batch puts of the same entry bytes in the same
 * batch size.
 */
export async function benchIngest(n: number): Promise<string[]> {
  const dir = scratch('ingest');
  const raw = scratch('raw');
  try {
    const ledger = await openLedger({ path: dir.path, userId: '@bench:example.org', deviceId: 'BENCH' });
    const envelopes = Array.from({ length: n }, (_, i) => roomEnvelope(i));
    const ours = await seconds(async () => {
      for (let i = 0; i < n; i += WINDOW) await Promise.all(envelopes.slice(i, i + WINDOW).map((e) => ledger.ingest(e)));
    });
    const written: [string, string][] = [];
    for await (const e of ledger.entries({ from: 1 })) written.push([e.seq.toString().padStart(16, '0'), JSON.stringify(e)]);
    await ledger.close();

    const db = new Level<string, string>(raw.path, { valueEncoding: 'utf8' });
    await db.open();
    const log = db.sublevel<string, string>('log', { valueEncoding: 'utf8' });
    const baseline = await seconds(async () => {
      for (let i = 0; i < written.length; i += WINDOW) {
        await db.batch(written.slice(i, i + WINDOW).map(([key, value]) => ({ type: 'put' as const, sublevel: log, key, value })));
      }
    });
    await db.close();
    const bytes = written.reduce((s, [, v]) => s + v.length, 0) / written.length;
    const ratio = baseline / ours;
    return [
      `${fmt(n)} room-event envelopes (~${fmt(bytes)} bytes per entry), ${WINDOW} concurrent \`ingest\` calls at a time, default durability.`,
      '',
      '| measure | envelopes/s (baseline: the entries they became, the same bytes) |',
      '| --- | ---: |',
      `| keyledger \`ingest\` (decode, hash chain, fold, one batch per group) | ${fmt(n / ours)} |`,
      `| baseline: raw classic-level \`batch\` of the same bytes, ${WINDOW} per batch | ${fmt(n / baseline)} |`,
      `| **ratio** (target ≥ 0.5×) | **${fmt(ratio, 2)}×** |`,
    ];
  } finally {
    dir.cleanup();
    raw.cleanup();
  }
}
