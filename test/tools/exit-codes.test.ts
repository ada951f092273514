import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger } from '../../src/index.js';
import { DEMO_DEVICE, DEMO_USER, demoInputs, feedDemo } from '../../tools/demo/scenario.js';
import { EXIT } from '../../tools/errors.js';
import { commandModules } from '../../tools/registry.js';
import { demoLog, type DemoLog } from '../src/analysis/demo-log.js';
import { tempDir } from '../helpers/tmp.js';
import { cli } from '../helpers/cli.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** Commands that only read a log, and an argument list that is complete for each. */
const READ: Record<string, readonly string[]> = {
  state: [],
  decisions: [],
  trust: [],
  log: [],
  verify: [],
  report: [],
  replay: [],
  explain: ['9'],
  'why-utd': ['$e'],
  'what-if': ['--skip', '1'],
  rejudge: [],
  bundle: [],
  export: [],
};

describe('exit codes: one meaning in every command', function () {
  this.timeout(120_000);
  const dir = tempDir('keyledger-exit-');
  let log: DemoLog;
  before(async () => (log = await demoLog()));
  after(() => dir.cleanup());

  it('the README has the table, with the codes tools/errors.ts defines', () => {
    const table = readme.slice(readme.indexOf('### Exit codes'));
    for (const [name, code] of Object.entries(EXIT)) {
      assert.match(table, new RegExp(`^\\| ${code} \\|`, 'm'), `${name} (${code}) is not in the README's exit-code table`);
    }
  });

  it('2 for a usage error: an unknown option, in every command', async () => {
    for (const { name } of commandModules) {
      const r = await cli([name, '--no-such-option']);
      assert.equal(r.code, EXIT.USAGE, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /unknown option|required option/, name);
    }
    assert.equal((await cli(['stat'])).code, EXIT.USAGE);
    assert.equal((await cli(['--db', log.ledgerPath, 'state', '--at', 'abc'])).code, EXIT.USAGE);
    assert.equal((await cli(['--db', log.ledgerPath, 'state', '--at', '99999'])).code, EXIT.USAGE);
    assert.equal((await cli(['--db', log.ledgerPath, 'log', '--from', '5', '--to', '2'])).code, EXIT.USAGE);
    assert.equal((await cli(['rejudge', '--source', log.exportPath])).code, EXIT.USAGE);
  });

  it('0 for --help of every command', async () => {
    for (const { name } of commandModules) assert.equal((await cli([name, '--help'])).code, EXIT.OK, name);
    assert.equal((await cli(['--help'])).code, EXIT.OK);
  });

  it('3 when it cannot run: no ledger (or no file) to read, in every read command', async () => {
    const missing = join(dir.path, 'nothing-here');
    for (const [name, args] of Object.entries(READ)) {
      const viaDb = await cli(['--db', missing, name, ...args]);
      assert.equal(viaDb.code, EXIT.FAILED, `${name}: ${viaDb.stderr}`);
      assert.match(viaDb.stderr, /^keyledger: no ledger at /, name);
      const viaSource = await cli([name, ...args, '--source', missing]);
      assert.equal(viaSource.code, EXIT.FAILED, `${name} --source: ${viaSource.stderr}`);
    }
  });

  it('1 when the answer is no: an unknown subject, event or seq, a broken log', async () => {
    const event = await cli(['why-utd', '$not-in-the-log', '--source', log.exportPath]);
    assert.equal(event.code, EXIT.FINDING);
    const skip = await cli(['what-if', '--skip', '424242', '--source', log.exportPath]);
    assert.equal(skip.code, EXIT.FINDING);
    const seq = await cli(['explain', '424242', '--source', log.exportPath]);
    assert.equal(seq.code, EXIT.FINDING);
  });

  it('explain on an unknown subject exits 1 and says what subjects exist (a few, and how many)', async () => {
    for (const subject of [['device', '@nobody:example.org', 'NODEVICE'], ['user', '@nobody:example.org'], ['session', '!r:x', 'KEY', 'SESSION']]) {
      const r = await cli(['explain', ...subject, '--source', log.exportPath]);
      assert.equal(r.code, EXIT.FINDING, `${subject.join(' ')}: ${r.stdout}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^keyledger: nothing is known about "${subject.join(' ').replace(/[$!]/g, '\\$&')}": the log has decisions about \\d+ subjects, e\\.g\\. "${subject[0]} `));
    }
    // A known subject is still explained, with exit 0.
    const known = await cli(['explain', 'device', DEMO_USER, 'BOBTABLET', '--source', log.exportPath]);
    assert.equal(known.code, EXIT.OK, known.stderr);
  });

  it('why-utd shows 20 timeline items around the event by default, counts what it left out, and --limit changes it', async () => {
    const path = join(dir.path, 'long-session');
    // 40 messages in the forged session: its timeline is the refused key, then each event and its decision (81 items).
    const forged = Array.from({ length: 40 }, (_, i) => ({ eventId: `$forged-${i + 1}`, body: `message ${i + 1}` }));
    const ledger = await openLedger({ path, userId: DEMO_USER, deviceId: DEMO_DEVICE, unencryptedVault: true });
    try {
      const sample = await demoInputs(await ledger.publishKeys({ withDeviceKeys: true }), forged);
      try {
        await feedDemo(ledger, sample.inputs);
      } finally {
        sample.free();
      }
    } finally {
      await ledger.close();
    }
    const timeline = (out: string) => out.split('\n').filter((l) => /^ {2}seq \d+ {2}(event|rejected|accepted|flagged)/.test(l) && out.indexOf(l) > out.indexOf('Timeline of session'));
    const r = await cli(['--db', path, 'why-utd', '$forged-20']);
    assert.equal(r.code, EXIT.OK, r.stderr);
    assert.equal(timeline(r.stdout).length, 20);
    assert.match(r.stdout, /Timeline of session .* \(20 of 81 items, around seq \d+\):/);
    assert.match(r.stdout, /\$forged-20 arrived/);
    assert.match(r.stdout, /… \d+ earlier items left out/);
    assert.match(r.stdout, /… \d+ later items left out/);
    assert.match(r.stdout, /\(61 of 81 timeline items left out: --limit N shows N, --limit 0 all, --json has them all\)/);
    const all = await cli(['--db', path, 'why-utd', '$forged-20', '--limit', '0']);
    assert.equal(timeline(all.stdout).length, 81);
    assert.doesNotMatch(all.stdout, /left out/);
    const five = await cli(['--db', path, 'why-utd', '$forged-1', '--limit', '5']);
    assert.equal(timeline(five.stdout).length, 5);
    assert.match(five.stdout, /forwarded_key\.untrusted_sender/, 'the first items: the refused key, then the event');
    const json = await cli(['--db', path, 'why-utd', '$forged-20', '--json']);
    assert.equal((JSON.parse(json.stdout) as { timeline: unknown[] }).timeline.length, 81);
    assert.equal((await cli(['--db', path, 'why-utd', '$forged-20', '--limit', '-1'])).code, EXIT.USAGE);
  });
});
