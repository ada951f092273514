/**
 * `npm run bench`: the figures issues #2, #14 (sharing) and #16 (restore) ask for, each as a ratio against a baseline run
 * in the same process, written to BENCHMARKS.md. Not a test: it never fails on a number.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchCli } from './cli.js';
import { benchIngest } from './ingest.js';
import { benchReplay } from './replay.js';
import { benchRoomEvents } from './room-events.js';
import { benchRestore } from './restore.js';
import { benchSharing } from './sharing.js';
import { benchUpdateCost } from './update-cost.js';
import { keepHandWritten } from './util.js';

const quick = process.argv.includes('--quick');
// `--only <section>` (ingest, replay, update-cost, room-events, sharing, restore, cli) runs one section and leaves BENCHMARKS.md alone.
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const run = (name: string) => only === undefined || only === name;
const sections: string[] = [];
const report = (title: string, lines: string[]) => {
  const text = [`## ${title}`, '', ...lines, ''].join('\n');
  process.stdout.write(`${text}\n`);
  sections.push(text);
};

if (run('ingest')) report('Ingest', await benchIngest(quick ? 5_000 : 20_000));
if (run('replay')) report('Replay and start-up', await benchReplay(quick ? 100_000 : 1_000_000));
if (run('update-cost')) report('Update cost against state size', await benchUpdateCost(quick ? 10_000 : 100_000));
if (run('room-events')) report('Room events', await benchRoomEvents(quick ? 2_000 : 20_000));
if (run('sharing')) report('Sharing room keys and encrypting room events', await benchSharing(quick ? 40 : 1_000, quick ? 2_000 : 20_000));
if (run('restore')) report('Restoring keys from a backup', await benchRestore(quick ? 200 : 10_000));
if (run('cli')) report('Commands that read the whole log', await benchCli(quick ? 100_000 : 1_000_000));

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const header = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${machine}.`,
  'Every figure is measured in one process run, beside a baseline measured in the same run;',
  'compare ratios, not absolute numbers, across machines.',
  '',
];
const partial = quick || only !== undefined;
if (!partial) {
  const file = new URL('../../../BENCHMARKS.md', import.meta.url);
  const written = [...header, ...sections].join('\n');
  writeFileSync(file, keepHandWritten(existsSync(file) ? readFileSync(file, 'utf8') : '', written));
}
process.stdout.write(partial ? `${quick ? 'quick' : 'partial'} run: BENCHMARKS.md left as it was\n` : 'written to BENCHMARKS.md\n');

