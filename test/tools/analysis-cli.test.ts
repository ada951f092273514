import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultSlices, openLogSource, whyUtd, type Decision } from '../../src/index.js';
import { buildDemoLog, demoLog, type DemoLog } from '../src/analysis/demo-log.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));

function run(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['KEYLEDGER_STORE_KEY', 'KEYLEDGER_DB', 'KEYLEDGER_DEBUG']) delete env[name];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  assert.ok(!/^\s+at /m.test(r.stderr), `stack trace on stderr:\n${r.stderr}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('keyledger explain, why-utd, what-if, rejudge', () => {
  let log: DemoLog;
  before(async () => (log = await demoLog()));

  it('explain SEQ: the refusal, its spec sentence, and the raw inputs it rests on', () => {
    const r = run(['--db', log.ledgerPath, 'explain', String(log.forwardFactSeq)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rejected\s+forwarded_key\.untrusted_sender\s+session !lunch:example\.org/);
    assert.match(r.stdout, /"Clients should only send keys requested by the verified devices of the same user/);
    assert.match(r.stdout, new RegExp(`Raw inputs: ${log.keysQuerySeq} \\(keys_query\\), ${log.forwardInputSeq} \\(to_device\\)`));
  });

  it('why-utd --json on the export gives the library\'s answer on the ledger; an unknown event is an error', async () => {
    const r = run(['why-utd', '--source', log.exportPath, log.forgedEventId, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const source = await openLogSource(log.ledgerPath);
    try {
      assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(await whyUtd(source, log.forgedEventId))));
    } finally {
      await source.close();
    }
    const unknown = run(['--db', log.ledgerPath, 'why-utd', '$not-in-the-log']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^keyledger: no room event \$not-in-the-log in the log/);
  });

  it('what-if --skip on the export lists changed verdicts and the state difference', () => {
    const r = run(['what-if', '--source', log.exportPath, '--skip', String(log.keysQuerySeq), '424242']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /now\s+accepted olm\.payload_accepted\n\s+without\s+\w+ olm\.\w+/);
    assert.match(r.stdout, /The state differs/);
    assert.match(r.stderr, /not in the log, ignored: seq 424242/);
  });

  it('rejudge: the changed rule on a ledger, exit 2 on an export', async () => {
    const megolm = defaultSlices.find((s) => s.name === 'megolm')!;
    // Written by an engine whose megolm slice logged refused forwards as accepted.
    const lax = { ...megolm, version: megolm.version - 1, reduce: (draft: never, entry: never, ctx: Parameters<typeof megolm.reduce>[2]) =>
      megolm.reduce(draft, entry, { ...ctx, decide: (d: Omit<Decision, 'seq' | 'slice'>) => ctx.decide(d.code === 'forwarded_key.untrusted_sender' ? { ...d, code: 'forwarded_key.accepted', outcome: 'accepted' } : d) }) };
    const old = await buildDemoLog(defaultSlices.map((s) => (s === megolm ? lax : s)));
    const r = run(['--db', old.ledgerPath, 'rejudge']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 decision differs/);
    assert.match(r.stdout, /recorded\s+accepted forwarded_key\.accepted\n\s+today\s+rejected forwarded_key\.untrusted_sender/);
    const e = run(['rejudge', '--source', old.exportPath]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /NDJSON export: it holds no decisions recorded/);
  });
});
