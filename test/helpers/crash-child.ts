/**
 * Child process for the crash test: ingests groups of envelopes in a loop and prints
 * `ack FIRST LAST` for every group whose ingest resolved, until it is killed.
 * argv: ledger path, group size.
 */
import { openLedger } from '../../src/index.js';
import { roomEnvelope } from './tmp.js';

const [path, groupSizeArg] = process.argv.slice(2);
const groupSize = Number(groupSizeArg ?? 5);
const ledger = await openLedger({ path: path!, userId: '@me:example.org', deviceId: 'CRASHDEV', snapshotEvery: 200, unencryptedVault: true });
let n = ledger.headSeq() + 1;
process.stdout.write(`ready ${ledger.headSeq()}\n`);
for (;;) {
  // A group is one ingestMany call: one atomic batch. Each envelope names its group so
  // the parent can tell a partial batch from a whole one.
  const group = n;
  const inputs = Array.from({ length: groupSize }, (_, i) => ({ ...roomEnvelope(n + i), group, group_size: groupSize }));
  const outcomes = await ledger.ingestMany(inputs);
  const seqs = outcomes.map((o) => (o.ok ? o.seq : -1));
  process.stdout.write(`ack ${seqs[0]} ${seqs[seqs.length - 1]}\n`);
  n += groupSize;
  // A few single concurrent ingests too, so grouped commits are exercised.
  const singles = await Promise.all([0, 1, 2].map((i) => ledger.ingest(roomEnvelope(n + i))));
  process.stdout.write(`ack ${singles[0]!.seq} ${singles[2]!.seq}\n`);
  n += 3;
}
