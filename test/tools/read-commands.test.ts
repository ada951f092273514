import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { demoLog, type DemoLog } from '../src/analysis/demo-log.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

type Run = CliRun;

/**
 * Every command that only reads works on an NDJSON export made by `keyledger export`, with
 * `--source FILE` (the one convention for all of them), and gives what it gives on the
 * ledger folder.
 */
describe('read commands on an export (--source FILE)', function () {
  this.timeout(120_000);
  const dir = tempDir('keyledger-read-commands-');
  let log: DemoLog;
  let exported: string;
  before(async () => {
    log = await demoLog();
    exported = join(dir.path, 'export.ndjson');
    const r = await cli(['--db', log.ledgerPath, 'export', '--out', exported]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => dir.cleanup());

  /** Runs `args` on the ledger folder and on the export; both must succeed. */
  async function both(args: readonly string[]): Promise<{ ledger: Run; export: Run }> {
    const onLedger = await cli(['--db', log.ledgerPath, ...args]);
    const onExport = await cli([...args, '--source', exported]);
    assert.equal(onLedger.code, 0, `${args.join(' ')} on the ledger: ${onLedger.stderr}`);
    assert.equal(onExport.code, 0, `${args.join(' ')} --source export: ${onExport.stderr}`);
    return { ledger: onLedger, export: onExport };
  }

  it('decisions, trust, state --json and log --json give the same answers as on the ledger folder', async () => {
    for (const args of [['decisions', '--json'], ['trust', '--json'], ['log', '--json'], ['state', '--json', '--slice', 'identities']]) {
      const r = await both(args);
      assert.ok(r.export.stdout.length > 0, args.join(' '));
      assert.equal(r.export.stdout, r.ledger.stdout, args.join(' '));
    }
  });

  it('decisions --json gives each subject\'s parts', async () => {
    const r = await cli(['decisions', '--json', '--code', 'forwarded_key.', '--source', exported]);
    const [d] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { subject: string; parts: { kind: string; room_id: string } });
    assert.equal(d!.parts.kind, 'session');
    assert.equal(d!.parts.room_id, '!lunch:example.org');
  });

  it('the human outputs of decisions, trust, state (--at too) and log work on the export', async () => {
    for (const args of [['decisions'], ['trust'], ['trust', '--at', '1'], ['state', '--at', '2'], ['log'], ['log', '--from', '3', '--to', '4']]) {
      const r = await both(args);
      assert.ok(r.export.stdout.length > 0, args.join(' '));
    }
    const state = await cli(['state', '--source', exported]);
    assert.match(state.stdout, /^# state at seq \d+ · state hash [0-9a-f]{64}/);
  });

  it('verify, report, explain, why-utd, what-if, bundle and export take --source too', async () => {
    const runs: string[][] = [
      ['verify'],
      ['report'],
      ['explain', String(log.forwardFactSeq)],
      ['why-utd', log.forgedEventId],
      ['what-if', '--skip', String(log.keysQuerySeq)],
      ['bundle', '--from', '1', '--to', '3'],
      ['export', '--from', '1', '--to', '3'],
    ];
    for (const args of runs) {
      const r = await cli([...args, '--source', exported]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stdout.length > 0, args.join(' '));
    }
    const cut = await cli(['export', '--from', '1', '--to', '3', '--source', exported]);
    assert.deepEqual(cut.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2, 3]);
    const secrets = await cli(['export', '--include-secrets', '--source', exported]);
    assert.equal(secrets.code, 2);
    assert.match(secrets.stderr, /is an export: only the ledger folder/);
  });

  it('replay --source FILE (the README\'s form) and replay FILE are the same session; two different logs is a usage error', async () => {
    const withOption = await cli(['replay', '--source', exported], 'next\nquit\n');
    const positional = await cli(['replay', exported], 'next\nquit\n');
    assert.equal(withOption.code, 0, withOption.stderr);
    assert.match(withOption.stdout, /^replaying .*export\.ndjson: seqs/);
    assert.equal(withOption.stdout, positional.stdout);
    const twice = await cli(['replay', exported, '--source', log.exportPath], '');
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /give the log once/);
  });

  it('--db naming an export still works for the read commands (as it did for verify)', async () => {
    const r = await cli(['--db', exported, 'decisions', '--code', 'forwarded_key.']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /forwarded_key\.untrusted_sender/);
  });
});
