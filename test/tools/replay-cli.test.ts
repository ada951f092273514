import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openLogSource } from '../../src/index.js';
import { defaultImport } from '../../tools/bundle-as-test.js';
import { main } from '../../tools/main.js';
import { PLAINTEXT_SECRET, plaintextRoomKey, writeDemoLedger } from '../helpers/demo-ledger.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the CLI in-process (no spawn) with `input` on stdin, which is not a TTY. */
async function cli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString('utf8')));
  stderr.on('data', (c: Buffer) => err.push(c.toString('utf8')));
  const code = await main(args, { stdin: Readable.from([input]), stdout, stderr, env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs mocha on one file in a child process. */
function mocha(file: string): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--timeout', '60000', file], { encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

describe('keyledger replay and bundle', () => {
  const dir = tempDir('keyledger-replay-cli-');
  const db = join(dir.path, 'ledger');
  const bundleFile = join(dir.path, 'incident.bundle.json');
  let forwardedSeq: number;
  let replaySeq: number;
  let decisionsAt1: number;

  before(async () => {
    await writeDemoLedger(db, [plaintextRoomKey]);
    const source = await openLogSource(db);
    try {
      forwardedSeq = (await source.decisions({ code: 'forwarded_key.' }))[0]!.seq;
      replaySeq = (await source.decisions({ code: 'megolm.replayed_index' }))[0]!.because.at(-1)!;
      decisionsAt1 = (await source.decisions({ fromSeq: 1, toSeq: 1 })).length;
    } finally {
      await source.close();
    }
  });
  after(() => dir.cleanup());

  it('runs a scripted session over a ledger from piped stdin', () => {
    const input = 'next\nnext\ndecisions\nbreak forwarded_key.\ndiff\nback\nfind $replayed-by-the-server\nbreak room_key.not_over_olm\nentry\nquit\n';
    const r = spawnSync(process.execPath, [CLI, '--db', db, 'replay'], { input, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    const after = (prompt: RegExp) => lines[lines.findIndex((l) => prompt.test(l)) + 1] ?? '';
    assert.match(after(/^seq -1 start> next$/), /^seq 0  ledger_created  /);
    assert.match(after(/^seq 0 ledger_created> next$/), /^seq 1  keys_query  .*\/keys\/query: @alice:example\.org/);
    assert.equal(after(/^seq 1 keys_query> decisions$/), `${decisionsAt1} decisions at seq 1`);
    assert.match(after(/^seq 1 keys_query> break forwarded_key\.$/), new RegExp(`^seq ${forwardedSeq}  olm_decrypted  `));
    assert.ok(lines.some((l) => /^ {2}rejected +forwarded_key\.untrusted_sender  session !lunch:example\.org /.test(l)));
    assert.match(after(new RegExp(`^seq ${forwardedSeq} olm_decrypted> diff$`)), /^[~+-] \w+/);
    assert.ok(lines.some((l) => /^\+ megolm\./.test(l)), 'the diff shows what the megolm slice recorded');
    assert.match(after(new RegExp(`^seq ${forwardedSeq} olm_decrypted> back$`)), new RegExp(`^seq ${forwardedSeq - 1}  to_device  `));
    assert.match(after(/> find \$replayed-by-the-server$/), new RegExp(`^seq ${replaySeq}  room_event  .*\\$replayed-by-the-server`));
    assert.match(after(/> break room_key\.not_over_olm$/), /^seq \d+  to_device  .*m\.room_key from @mallory:example\.org/);
    assert.ok(lines.includes('        "session_key": "[redacted]"'), 'the entry is shown with its secret redacted');
    assert.ok(!r.stdout.includes(PLAINTEXT_SECRET));
    assert.match(lines.at(-2)!, /> quit$/);
  });

  it('writes a bundle that replay opens, and refuses a tampered one with the reason', async () => {
    const made = await cli(['--db', db, 'bundle', '--from', '1', '--checkpoint-every', '4', '--out', bundleFile]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /bundled \d+ entries \(seqs 1\.\.\d+\), \d+ checkpoints, 0 with secrets redacted/);
    assert.ok(!readFileSync(bundleFile, 'utf8').includes(PLAINTEXT_SECRET));

    const session = await cli(['replay', bundleFile], 'break forwarded_key.\nback 100\n');
    assert.equal(session.code, 0, session.stderr);
    assert.match(session.stdout, new RegExp(`^seq ${forwardedSeq}  olm_decrypted`, 'm'));
    assert.match(session.stdout, /^seq 0 {2}\(start: before the first entry\)$/m);

    const tampered = JSON.parse(readFileSync(bundleFile, 'utf8'));
    tampered.fingerprints.slices.megolm += 1;
    writeFileSync(join(dir.path, 'tampered.json'), JSON.stringify(tampered));
    const refused = await cli(['replay', join(dir.path, 'tampered.json')], 'next\n');
    assert.equal(refused.code, 3); // could not run: the bundle is refused
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^keyledger: bundle refused: slice versions differ: megolm \d+ in the bundle, \d+ here\n$/);
  });

  it('turns a bundle into a mocha test that passes, and fails once the bundle is tampered with', async () => {
    assert.equal(defaultImport(join(ROOT, 'test/regression/incident.test.ts')), '../../src/index.js');
    assert.equal(defaultImport(join(ROOT, 'test/regression/incident.test.mjs')), 'keyledger');
    // Inside the package (dist/), so `keyledger` resolves to this build by the package's own name.
    const folder = join(ROOT, 'dist', 'test', `.as-test-${process.pid}`);
    const file = join(folder, 'incident.test.mjs');
    mkdirSync(folder, { recursive: true });
    try {
      const made = await cli(['bundle', '--as-test', bundleFile, '--out', file]);
      assert.equal(made.code, 0, made.stderr);
      const green = mocha(file);
      assert.equal(green.code, 0, green.output);
      assert.match(green.output, /2 passing/);

      const text = readFileSync(file, 'utf8').split('\n');
      const i = text.findIndex((l) => l.includes('"kind":"keys_query"'));
      text[i] = text[i]!.replaceAll('@alice:example.org', '@eve:example.org');
      writeFileSync(file, text.join('\n'));
      const red = mocha(file);
      assert.notEqual(red.code, 0);
      assert.match(red.output, /2 failing/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
