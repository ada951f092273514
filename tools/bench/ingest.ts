import { Level } from 'level';
import { openLedger, type RoomEventEnvelope } from '../../src/index.js';
import { fmt, plainRoomEnvelope, roomEnvelope, scratch, seconds } from './util.js';

const WINDOW = 500;
/** Issue #12's target for the core pipeline alone (unencrypted room events) against raw batch puts. */
const CORE_TARGET = 0.35;

interface Measured {
  inputsPerSecond: number;
  baselinePerSecond: number;
  bytesPerEntry: number;
  entriesPerInput: number;
}

/**
 * Ingests `envelopes` with default durability (concurrent ingest calls, grouped into one
 * batch), then writes the very entries they became with raw classic-level batch puts of
 * the same size, in the same process.
 */
async function measure(envelopes: readonly RoomEventEnvelope[]): Promise<Measured> {
  const dir = scratch('ingest');
  const raw = scratch('raw');
  try {
    const n = envelopes.length;
    const ledger = await openLedger({ path: dir.path, userId: '@bench:example.org', deviceId: 'BENCH', unencryptedVault: true });
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
    return {
      inputsPerSecond: n / ours,
      baselinePerSecond: n / baseline,
      bytesPerEntry: written.reduce((s, [, v]) => s + v.length, 0) / written.length,
      entriesPerInput: written.length / n,
    };
  } finally {
    dir.cleanup();
    raw.cleanup();
  }
}

/**
 * Ingest throughput against raw batch puts of the same bytes, for encrypted room events
 * (each also gets a fact and a decision: no key for them here) and, to show the core
 * pipeline alone, for unencrypted ones (one entry each, nothing derived).
 */
export async function benchIngest(n: number): Promise<string[]> {
  const encrypted = await measure(Array.from({ length: n }, (_, i) => roomEnvelope(i)));
  const plain = await measure(Array.from({ length: n }, (_, i) => plainRoomEnvelope(i)));
  const row = (what: string, m: Measured, target?: number) => {
    const ratio = m.inputsPerSecond / m.baselinePerSecond;
    const verdict = target === undefined ? '' : ratio >= target ? ` met (≥ ${fmt(target, 2)}×)` : ` **MISSED** (target ≥ ${fmt(target, 2)}×)`;
    return `| ${what} | ${fmt(m.entriesPerInput, 1)} | ${fmt(m.bytesPerEntry)} | ${fmt(m.inputsPerSecond)} | ${fmt(m.baselinePerSecond)} | **${fmt(ratio, 2)}×**${verdict} |`;
  };
  return [
    `${fmt(n)} room-event envelopes per row, ${WINDOW} concurrent \`ingest\` calls at a time, default durability; the baseline writes the very entries they became with raw classic-level \`batch\` puts, ${WINDOW} per batch, in the same process.`,
    '',
    '| envelopes | entries per input | bytes per entry | keyledger inputs/s | baseline inputs/s (same bytes) | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('encrypted `m.room.encrypted` without their keys (input, `megolm_undecryptable` fact, `megolm.undecryptable` decision)', encrypted),
    row('unencrypted `m.room.message` (the core pipeline alone: decode, canonical JSON, hash chain, fold)', plain, CORE_TARGET),
  ];
}
