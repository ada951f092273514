import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger } from '../../src/open.js';
import { fingerprint, ledgerWithTables, tables } from '../helpers/damage.js';
import { tamperLog } from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';
import { EXIT } from '../../tools/errors.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));

function run(args: readonly string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KEYLEDGER_STORE_KEY;
  delete env.KEYLEDGER_DB;
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env, maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('keyledger on a damaged store', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let pristine: string;
  let damaged: string;
  let first: number;
  let last: number;
  let head: number;

  before(async () => {
    dir = tempDir('keyledger-store-cli-');
    pristine = join(dir.path, 'pristine');
    await ledgerWithTables(pristine, 4000);
    damaged = join(dir.path, 'damaged');
    cpSync(pristine, damaged, { recursive: true });
    // One compressed block of the first table no longer decompresses.
    const table = join(damaged, tables(damaged)[0]!);
    const bytes = readFileSync(table);
    bytes.fill(0xff, bytes.length >> 1, (bytes.length >> 1) + 512);
    writeFileSync(table, bytes);
    const ledger = await openLedger({ path: damaged, readOnly: true });
    head = ledger.headSeq();
    await ledger.close();
  });
  after(() => dir.cleanup());

  it('verify reports the unreadable range as a problem, first and last seq, exit 1', () => {
    const r = run(['--db', damaged, 'verify']);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /unexpected error/);
    const m = /seq (\d+)\s+chain\.unreadable\s+entries (\d+)–(\d+) cannot be read/.exec(r.stdout);
    assert.ok(m, r.stdout);
    first = Number(m[2]);
    last = Number(m[3]);
    assert.equal(Number(m[1]), first);
    assert.match(r.stdout, new RegExp(`FAILED: first bad entry: seq ${first}`));
    const json = JSON.parse(run(['--db', damaged, 'verify', '--json']).stdout) as { problems: { code: string; seq: number }[] };
    assert.deepEqual(json.problems.map((p) => [p.code, p.seq]), [['chain.unreadable', first]]);
  });

  it('export stops at the first gap, names it, exits non-zero, and --out leaves no file', () => {
    assert.ok(first > 0, 'verify ran first');
    const r = run(['--db', damaged, 'export']);
    assert.equal(r.code, EXIT.FAILED);
    assert.match(r.stderr, new RegExp(`entries ${first}–${last} are unreadable \\(a damaged table\\): the export stops there, after ${first} entries`));
    assert.equal(r.stdout.trim().split('\n').length, first);
    const out = join(dir.path, 'stopped.ndjson');
    const o = run(['--db', damaged, 'export', '--out', out]);
    assert.equal(o.code, EXIT.FAILED);
    assert.deepEqual(readdirSync(dir.path).filter((f) => f.startsWith('stopped')), []);
  });

  it('export --skip-damaged exports the rest and says what it skipped', () => {
    const out = join(dir.path, 'skipped.ndjson');
    const r = run(['--db', damaged, 'export', '--skip-damaged', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`skipped: entries ${first}–${last} are unreadable \\(a damaged table\\)`));
    const seqs = readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.equal(seqs.length, head + 1 - (last - first + 1));
    assert.equal(seqs[first], last + 1);
  });

  it('export names missing entries too', async () => {
    const path = join(dir.path, 'one-gone');
    cpSync(pristine, path, { recursive: true });
    await tamperLog(path, (log) => log.del(7));
    const r = run(['--db', path, 'export', '--to', '20']);
    assert.equal(r.code, EXIT.FAILED);
    assert.match(r.stderr, /entry 7 is missing: the export stops there, after 7 entries/);
    const s = run(['--db', path, 'export', '--to', '20', '--skip-damaged']);
    assert.equal(s.code, 0);
    assert.match(s.stderr, /skipped: entry 7 is missing/);
    assert.equal(s.stdout.trim().split('\n').length, 20);
  });

  it('ingest refuses to append to a damaged log', async () => {
    const before = fingerprint(damaged);
    const line = JSON.stringify({ kind: 'room_event', room_id: '!r:example.org', received_at: 1, event: { event_id: '$x', sender: '@b:example.org', origin_server_ts: 1, type: 'm.room.message', content: { body: 'x' } } });
    const r = run(['--db', damaged, 'ingest'], `${line}\n`);
    assert.equal(r.code, EXIT.FAILED);
    assert.match(r.stderr, new RegExp(`entries ${first}–${last} of the log cannot be read.*refusing to append to a damaged log: nothing was ingested`));
    const ledger = await openLedger({ path: damaged, readOnly: true });
    assert.equal(ledger.headSeq(), head);
    await ledger.close();
    // The tables are as they were (LevelDB may have rotated its own log files).
    for (const [name, hash] of before) if (name.endsWith('.ldb')) assert.equal(fingerprint(damaged).get(name), hash);
  });

  it('init and every command refuse a folder that lost CURRENT, naming it, and change nothing', () => {
    const path = join(dir.path, 'no-current');
    cpSync(pristine, path, { recursive: true });
    unlinkSync(join(path, 'CURRENT'));
    const before = fingerprint(path);
    const init = run(['--db', path, 'init', '--user', '@alice:example.org', '--device', 'ALICEDEV']);
    assert.equal(init.code, EXIT.FAILED);
    assert.match(init.stderr, /LevelDB files without CURRENT: the ledger is damaged, not absent/);
    const verify = run(['--db', path, 'verify']);
    assert.equal(verify.code, EXIT.FAILED);
    assert.match(verify.stderr, /LevelDB files without CURRENT/);
    assert.deepEqual(fingerprint(path), before);
  });

  it('export --out removes its partial file when interrupted', async () => {
    const out = join(dir.path, 'interrupted.ndjson');
    const child = spawn(process.execPath, [CLI, '--db', pristine, 'export', '--out', out], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const partial = () => readdirSync(dir.path).filter((f) => f.startsWith('interrupted.ndjson.partial'));
    while (partial().length === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, 'the export finished before it could be interrupted');
    assert.deepEqual(partial(), []);
    assert.equal(existsSync(out), false);
  });
});
