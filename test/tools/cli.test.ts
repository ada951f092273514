import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Level } from 'level';
import { canonicalJson } from '../../src/canonical.js';
import { loadOlm } from '../../src/crypto/olm.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a run: no store key or --db default leaking in from the caller. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('KEYLEDGER_STORE_KEY' in extra)) delete env.KEYLEDGER_STORE_KEY;
  delete env.KEYLEDGER_DB;
  delete env.KEYLEDGER_DEBUG;
  return env;
}

function run(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: options.input, encoding: 'utf8', env: cliEnv(options.env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function runAsync(args: readonly string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8', env: cliEnv() });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : null, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** stderr as lines; asserts it holds no stack trace. */
function errLines(r: Run): string[] {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.ok(!lines.some((l) => /^\s+at /.test(l)), `stack trace on stderr:\n${r.stderr}`);
  return lines;
}

const USER = '@alice:example.org';
const DEVICE = 'ALICEDEV';

const env = (e: object) => JSON.stringify(e);
const roomKey = (sessionId: unknown) =>
  env({
    kind: 'to_device',
    received_at: 1_700_000_000_000,
    event: {
      type: 'm.room_key',
      sender: '@bob:example.org',
      content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!room:example.org', session_id: sessionId, session_key: 'SECRETKEYMATERIAL' },
    },
  });
const keysQuery = env({ kind: 'keys_query', received_at: 1_700_000_000_000, response: { device_keys: { '@bob:example.org': { BOBDEV: { keys: {} } } } } });
const roomEvent = env({
  kind: 'room_event',
  room_id: '!room:example.org',
  event: { event_id: '$ev1', sender: '@bob:example.org', origin_server_ts: 1, type: 'm.room.message', content: { body: 'hi' } },
});

/** Lines 1–7 of the test input: blank lines count, they are just not ingested. */
const INPUT = [
  keysQuery, // line 1 → seq 1
  '', // line 2
  roomKey('SESSION1'), // line 3 → seq 2
  roomKey(42), // line 4 → seq 3, rejected
  '{"kind":"to_device","event":{"type":"m.room_key","content":{"session_key":SECRETKEYMATERIAL}}}', // line 5 → seq 4, rejected (invalid JSON)
  '   ', // line 6
  roomEvent, // line 7 → seq 5
].join('\n');

describe('tools: keyledger CLI', function () {
  this.timeout(60_000);
  let root: string;
  let n = 0;
  const freshDir = () => join(root, `ledger-${++n}`);

  /** A ledger with INPUT ingested; returns its folder. */
  function ledgerWithInput(): string {
    const db = freshDir();
    assert.equal(run(['--db', db, 'init', '--user', USER, '--device', DEVICE]).code, 0);
    const file = join(root, `input-${n}.ndjson`);
    writeFileSync(file, INPUT);
    assert.equal(run(['--db', db, 'ingest', file]).code, 0);
    return db;
  }

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'keyledger-cli-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  describe('init and keys', () => {
    let db: string;
    let first: Run;
    before(() => {
      db = freshDir();
      first = run(['--db', db, 'init', '--user', USER, '--device', DEVICE]);
    });

    it('prints a /keys/upload body with self-signed device keys, 50 one-time keys and a fallback key', async () => {
      assert.equal(first.code, 0, first.stderr);
      const body = JSON.parse(first.stdout) as {
        device_keys: { user_id: string; device_id: string; keys: Record<string, string>; signatures: Record<string, Record<string, string>> };
        one_time_keys: Record<string, { key: string; signatures: Record<string, Record<string, string>> }>;
        fallback_keys: Record<string, { key: string; fallback: boolean }>;
      };
      assert.equal(body.device_keys.user_id, USER);
      assert.equal(body.device_keys.device_id, DEVICE);
      const ed25519 = body.device_keys.keys[`ed25519:${DEVICE}`]!;
      const olm = await loadOlm();
      const utility = new olm.Utility();
      try {
        const { signatures, unsigned: _u, ...signed } = body.device_keys as typeof body.device_keys & { unsigned?: unknown };
        utility.ed25519_verify(ed25519, canonicalJson(signed), signatures[USER]![`ed25519:${DEVICE}`]!);
        const [otkId, otk] = Object.entries(body.one_time_keys)[0]!;
        assert.match(otkId, /^signed_curve25519:/);
        utility.ed25519_verify(ed25519, canonicalJson({ key: otk.key }), otk.signatures[USER]![`ed25519:${DEVICE}`]!);
        assert.throws(() => utility.ed25519_verify(ed25519, canonicalJson({ ...signed, device_id: 'OTHER' }), signatures[USER]![`ed25519:${DEVICE}`]!));
      } finally {
        utility.free();
      }
      assert.equal(Object.keys(body.one_time_keys).length, 50);
      const fallbacks = Object.values(body.fallback_keys);
      assert.equal(fallbacks.length, 1);
      assert.equal(fallbacks[0]!.fallback, true);
    });

    it('warns on one line that the vault is not encrypted without KEYLEDGER_STORE_KEY', () => {
      const lines = errLines(first);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /KEYLEDGER_STORE_KEY is not set.*not encrypted/);
    });

    it('refuses to init twice', () => {
      const again = run(['--db', db, 'init', '--user', USER, '--device', DEVICE]);
      assert.equal(again.code, 3); // could not run: a ledger is already there
      assert.equal(again.stdout, '');
      const lines = errLines(again);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^keyledger: a ledger already exists at .* refusing/);
    });

    it('keys prints a fresh batch, never one printed before', () => {
      const r = run(['--db', db, 'keys', '--count', '3']);
      assert.equal(r.code, 0, r.stderr);
      const body = JSON.parse(r.stdout) as { one_time_keys: Record<string, { key: string }>; device_keys?: unknown };
      assert.equal(Object.keys(body.one_time_keys).length, 3);
      assert.equal(body.device_keys, undefined);
      const before = JSON.parse(first.stdout) as { one_time_keys: Record<string, { key: string }> };
      const old = new Set(Object.values(before.one_time_keys).map((k) => k.key));
      for (const k of Object.values(body.one_time_keys)) assert.ok(!old.has(k.key));
    });

    it('passes KEYLEDGER_STORE_KEY as the store key', () => {
      const enc = freshDir();
      const key = { KEYLEDGER_STORE_KEY: 'correct horse battery staple' };
      const init = run(['--db', enc, 'init', '--user', USER, '--device', DEVICE], { env: key });
      assert.equal(init.code, 0, init.stderr);
      assert.equal(init.stderr, '');
      const without = run(['--db', enc, 'keys', '--count', '1']);
      assert.equal(without.code, 3); // could not run: the vault needs its key
      assert.equal(errLines(without).length, 1);
      assert.equal(run(['--db', enc, 'keys', '--count', '1'], { env: { KEYLEDGER_STORE_KEY: 'wrong' } }).code, 3);
      assert.equal(run(['--db', enc, 'keys', '--count', '1'], { env: key }).code, 0);
      // Read-only commands need no key.
      assert.equal(run(['--db', enc, 'verify']).code, 0);
    });
  });

  describe('ingest and reading back', () => {
    let db: string;
    let ingest: Run;
    before(() => {
      db = freshDir();
      assert.equal(run(['--db', db, 'init', '--user', USER, '--device', DEVICE]).code, 0);
      const file = join(root, 'input.ndjson');
      writeFileSync(file, INPUT);
      ingest = run(['--db', db, 'ingest', file]);
    });

    it('prints one line per input and a summary, and exits 0 despite rejected lines', () => {
      assert.equal(ingest.code, 0, ingest.stderr);
      assert.deepEqual(ingest.stdout.trimEnd().split('\n'), [
        'seq 1 keys_query',
        'seq 2 to_device',
        'line 4: rejected (seq 3): event.content.session_id: expected string, got number',
        "line 5: rejected (seq 4): invalid JSON (unexpected token)",
        'seq 5 room_event',
        'ingested 3, rejected 2, last seq 5',
      ]);
    });

    it('ingest --json reads stdin and prints JSON lines', () => {
      const r = run(['--db', db, 'ingest', '--json', '-'], { input: `${keysQuery}\n{"kind":"nope"}\n` });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines[0], { line: 1, ok: true, seq: 6, seqs: [6], kind: 'keys_query', decisions: [] });
      assert.equal(lines[1]!.ok, false);
      assert.equal(lines[1]!.seq, 7);
      assert.equal(lines[1]!.path, 'kind');
      assert.deepEqual(lines[2], { summary: { ingested: 1, rejected: 1, lastSeq: 7 } });
    });

    it('decisions --json lists input.rejected for the bad lines', () => {
      const r = run(['--db', db, 'decisions', '--json', '--code', 'input.rejected', '--to', '5']);
      assert.equal(r.code, 0, r.stderr);
      const ds = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; code: string; outcome: string; subject: string; because: number[] });
      assert.deepEqual(
        ds.map((d) => [d.seq, d.code, d.outcome, d.subject]),
        [
          [3, 'input.rejected', 'rejected', 'input 3'],
          [4, 'input.rejected', 'rejected', 'input 4'],
        ],
      );
      assert.ok(!r.stdout.includes('SECRETKEYM'));
      const table = run(['--db', db, 'decisions', '--outcome', 'rejected']);
      assert.match(table.stdout, /^SEQ\s+OUTCOME\s+CODE\s+SUBJECT\s+BECAUSE/);
      assert.match(table.stdout, /\n3\s+rejected\s+input\.rejected\s+input 3\s+-/);
    });

    it('never logs a secret in the clear; export and log show none; --include-secrets needs the store key', () => {
      const redacted = run(['--db', db, 'export']);
      assert.equal(redacted.code, 0, redacted.stderr);
      assert.ok(!redacted.stdout.includes('SECRETKEYMATERIAL'));
      const entries = redacted.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string; payload: { event?: { content?: { session_key?: string } } } });
      assert.deepEqual(entries.map((e) => e.seq), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.equal(entries[2]!.payload.event!.content!.session_key, '[redacted]');
      assert.match(errLines(redacted).join('\n'), /secrets were redacted/);

      for (const args of [['log'], ['log', '--json'], ['state'], ['state', '--json'], ['decisions']]) {
        const r = run(['--db', db, ...args]);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stdout.includes('SECRETKEYM'), `${args.join(' ')} printed a secret`);
      }
      const refused = run(['--db', db, 'export', '--include-secrets']);
      assert.equal(refused.code, 2); // usage: --include-secrets needs the key in the environment
      assert.match(refused.stderr, /KEYLEDGER_STORE_KEY/);

      const out = join(root, 'export.ndjson');
      assert.equal(run(['--db', db, 'export', '--out', out]).code, 0);
      assert.equal(readFileSync(out, 'utf8'), redacted.stdout);
    });

    it('holds no secret in the clear anywhere in the LevelDB (no store key: the secret is not kept at all)', async () => {
      const level = new Level<string, string>(db, { valueEncoding: 'utf8' });
      await level.open();
      try {
        for await (const [key, value] of level.iterator()) assert.ok(!value.includes('SECRETKEYM'), `${key} holds the secret`);
      } finally {
        await level.close();
      }
    });

    it('with a store key, keeps secrets sealed in the log and reveals them only on --include-secrets', () => {
      const enc = freshDir();
      const key = { KEYLEDGER_STORE_KEY: 'correct horse battery staple' };
      assert.equal(run(['--db', enc, 'init', '--user', USER, '--device', DEVICE], { env: key }).code, 0);
      const file = join(root, 'secret.ndjson');
      writeFileSync(file, `${roomKey('SESSION9')}\n{"kind":"to_device","event":{"session_key":SECRETKEYMATERIAL}}\n`);
      assert.equal(run(['--db', enc, 'ingest', file], { env: key }).code, 0);
      const plain = run(['--db', enc, 'export'], { env: key });
      assert.ok(!plain.stdout.includes('SECRETKEYMATERIAL'));
      const full = run(['--db', enc, 'export', '--include-secrets'], { env: key });
      assert.equal(full.code, 0, full.stderr);
      assert.ok(full.stdout.includes('"session_key":"SECRETKEYMATERIAL"'), 'the sealed content is revealed');
      assert.ok(full.stdout.includes('"session_key\\":SECRETKEYMATERIAL'), 'the sealed raw text of the rejected input is revealed');
      assert.equal(run(['--db', enc, 'export', '--include-secrets'], { env: { KEYLEDGER_STORE_KEY: 'wrong' } }).code, 3);
    });

    it('log prints one line per entry: seq, ISO time, kind, summary', () => {
      const r = run(['--db', db, 'log', '--from', '1', '--to', '4']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 4);
      assert.match(lines[0]!, /^1 {2}2023-11-14T22:13:20\.000Z {2}keys_query {2}\/keys\/query: @bob:example\.org$/);
      assert.match(lines[1]!, /^2 {2}\S+Z {2}to_device {2}m\.room_key from @bob:example\.org \(m\.megolm\.v1\.aes-sha2\)$/);
      assert.match(lines[2]!, /^3 .* rejected_input {2}rejected input: event\.content\.session_id: expected string, got number$/);
    });

    it('state prints a header and the selected slice, at a given seq', () => {
      const human = run(['--db', db, 'state', '--slice', 'log', '--at', '2']);
      assert.equal(human.code, 0, human.stderr);
      const [header, ...rest] = human.stdout.split('\n');
      assert.match(header!, /^# slice log at seq 2 · state hash [0-9a-f]{64}$/);
      assert.equal((JSON.parse(rest.join('\n')) as { lastSeq: number }).lastSeq, 2);
      const json = run(['--db', db, 'state', '--json']);
      const state = JSON.parse(json.stdout) as Record<string, { lastSeq?: number }>;
      assert.equal(state.log!.lastSeq, 7);
      assert.ok('identities' in state);
    });

    it('rejects bad numbers and out-of-range seqs with one line', () => {
      for (const args of [['state', '--at', 'abc'], ['state', '--at', '1.5'], ['state', '--at', '99'], ['log', '--from', '-1'], ['state', '--slice', 'nope']]) {
        const r = run(['--db', db, ...args]);
        assert.notEqual(r.code, 0, args.join(' '));
        assert.equal(r.stdout, '');
        assert.equal(errLines(r).length, 1, `${args.join(' ')}: ${r.stderr}`);
      }
    });

    it('verify is ok after ingesting', () => {
      const r = run(['--db', db, 'verify']);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /entries checked: 8/);
      assert.match(r.stdout, /^OK/m);
    });
  });

  it('verify is ok on a fresh ledger', () => {
    const db = freshDir();
    assert.equal(run(['--db', db, 'init', '--user', USER, '--device', DEVICE]).code, 0);
    const r = run(['--db', db, 'verify']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /entries checked: 1/);
    assert.match(r.stdout, /checkpoints: +\d+ of \d+ valid/);
    const json = run(['--db', db, 'verify', '--json', '--no-replay']);
    assert.equal((JSON.parse(json.stdout) as { ok: boolean }).ok, true);
  });

  describe('tampering', () => {
    /** The log sublevel, as the tests use it. */
    interface LogSub {
      get(key: string): Promise<string | undefined>;
      put(key: string, value: string): Promise<void>;
      del(key: string): Promise<void>;
      batch(ops: { type: 'put'; key: string; value: string }[]): Promise<void>;
    }
    async function tamper(db: string, edit: (log: LogSub) => Promise<void>): Promise<void> {
      const level = new Level<string, string>(db, { valueEncoding: 'utf8' });
      await level.open();
      try {
        await edit(level.sublevel<string, string>('log', { valueEncoding: 'utf8' }) as unknown as LogSub);
      } finally {
        await level.close();
      }
    }
    const key = (seq: number) => seq.toString().padStart(16, '0');

    /** verify exits 1; its FAILED line names `seq` (or the problem list names each of `seqs`). */
    function assertFails(db: string, seq: number | readonly number[]): string {
      const r = run(['--db', db, 'verify']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^FAILED: first bad entry: seq \d+ — /m, r.stdout);
      if (typeof seq === 'number') assert.match(r.stdout, new RegExp(`^FAILED: first bad entry: seq ${seq} — `, 'm'), r.stdout);
      else for (const s of seq) assert.match(r.stdout, new RegExp(`^  seq ${s}  chain\\.misplaced `, 'm'), r.stdout);
      errLines(r);
      return r.stdout;
    }

    it('names an edited entry', async () => {
      const db = ledgerWithInput();
      await tamper(db, async (log) => {
        const entry = JSON.parse((await log.get(key(2)))!) as { payload: { event: { sender: string } } };
        entry.payload.event.sender = '@mallory:example.org';
        await log.put(key(2), JSON.stringify(entry));
      });
      assertFails(db, 2);
    });

    it('names a deleted entry', async () => {
      const db = ledgerWithInput();
      await tamper(db, (log) => log.del(key(3)));
      assertFails(db, 3);
    });

    it('names swapped entries', async () => {
      const db = ledgerWithInput();
      await tamper(db, async (log) => {
        const [a, b] = [(await log.get(key(1)))!, (await log.get(key(2)))!];
        await log.batch([
          { type: 'put', key: key(1), value: b },
          { type: 'put', key: key(2), value: a },
        ]);
      });
      // Both moved entries are named; which one the FAILED line names first is the engine's call.
      assertFails(db, [1, 2]);
    });
  });

  describe('help and errors', () => {
    it('--help of the program and of every subcommand exits 0', async () => {
      const commands = ['init', 'keys', 'ingest', 'state', 'decisions', 'log', 'verify', 'export'];
      const runs = await Promise.all([runAsync(['--help']), ...commands.map((c) => runAsync([c, '--help']))]);
      const [main, ...subs] = runs;
      assert.equal(main!.code, 0);
      for (const c of commands) assert.match(main!.stdout, new RegExp(`^  ${c} `, 'm'));
      assert.match(main!.stdout, /append-only, hash-chained log/);
      subs.forEach((r, i) => {
        assert.equal(r.code, 0, `${commands[i]} --help`);
        assert.match(r.stdout, new RegExp(`^Usage: keyledger ${commands[i]} `));
      });
      assert.match(subs[commands.indexOf('ingest')]!.stdout, /"kind":"to_device"/);
    });

    it('a missing ledger is one line on stderr, no stack trace', () => {
      const db = join(root, 'does-not-exist');
      for (const c of ['state', 'decisions', 'log', 'verify', 'export', 'keys', 'ingest']) {
        const r = run(['--db', db, c], { input: '' });
        assert.equal(r.code, 3, c); // could not run
        // The CLI's own hint (the library's message names openLedger instead); a command that
        // only reads could read an export instead.
        const hint = ['keys', 'ingest'].includes(c) ? '' : ', or read an export with --source FILE';
        assert.deepEqual(errLines(r), [`keyledger: no ledger at ${db} (create one with \`keyledger init\`${hint})`], c);
      }
    });

    it('an unknown subcommand is an error with a hint', () => {
      const r = run(['stat']);
      assert.equal(r.code, 2); // usage
      const lines = errLines(r);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^keyledger: unknown command 'stat'.*did you mean state\?.*keyledger --help/);
    });

    it('a missing input file is one line', () => {
      const db = freshDir();
      assert.equal(run(['--db', db, 'init', '--user', USER, '--device', DEVICE]).code, 0);
      const r = run(['--db', db, 'ingest', join(root, 'nope.ndjson')]);
      assert.equal(r.code, 3); // could not run
      assert.deepEqual(errLines(r), [`keyledger: cannot read ${join(root, 'nope.ndjson')}: no such file`]);
    });
  });
});
