import { strict as assert } from 'node:assert';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SAMPLE = 'docs/samples/semi-trusted-impersonation.ndjson';

/** Runs a command, failing the test with its output when it exits non-zero. */
function run(cmd: string, args: readonly string[], options: SpawnSyncOptions & { cwd: string }): string {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  delete env.KEYLEDGER_DB;
  // An npm script running this suite sets these for itself; the commands below are npm's own.
  for (const k of Object.keys(env)) if (k.startsWith('npm_lifecycle_') || k === 'npm_package_json' || k === 'INIT_CWD') delete env[k];
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 150_000, maxBuffer: 64 << 20, ...options });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${options.cwd}) failed: ${r.error?.message ?? ''}\n${String(r.stdout)}\n${String(r.stderr)}`);
  return String(r.stdout);
}

/** A client's TypeScript: both entry points, typed, under the strictest usual settings. */
const CLIENT_TS = `import { anomalyReport, openLedger, openLogSource, type AnomalyReport, type Incident } from 'keyledger';
import { SimUser, keysQueryResponse } from 'keyledger/testkit';

export async function firstIncident(path: string): Promise<Incident | undefined> {
  const source = await openLogSource(path);
  try {
    const report: AnomalyReport = await anomalyReport(source);
    return report.incidents[0];
  } finally {
    await source.close();
  }
}

export async function alice(): Promise<string> {
  const user = await SimUser.create('@alice:example.org');
  const response: object = keysQueryResponse({ users: [{ user }] });
  user.free();
  const ledger = await openLedger({ path: './data', userId: '@bob:example.org', deviceId: 'BOBPHONE', unencryptedVault: true });
  await ledger.close();
  return JSON.stringify(response);
}
`;

/** The same from plain ESM JavaScript, run: a ledger opened and closed, the testkit's olm keys made. */
const CLIENT_MJS = `import { openLedger, ENGINE_VERSION } from 'keyledger';
import { SimUser } from 'keyledger/testkit';
const ledger = await openLedger({ path: './data/ledger', userId: '@bob:example.org', deviceId: 'BOBPHONE', unencryptedVault: true });
const head = ledger.headSeq();
await ledger.close();
const alice = await SimUser.create('@alice:example.org');
console.log(JSON.stringify({ version: ENGINE_VERSION, head, alice: alice.userId }));
alice.free();
`;

describe('the npm package', function () {
  this.timeout(240_000);
  let dir: ReturnType<typeof tempDir>;
  let tarball: string;
  let files: string[];
  before(() => {
    dir = tempDir('keyledger-package-');
    // Pack a copy, so building the package (prepare) does not rewrite the dist/ this suite runs from.
    const copy = join(dir.path, 'project');
    for (const name of ['package.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE', 'README.md', 'src', 'events', 'projections', 'tools', 'docs']) {
      cpSync(join(ROOT, name), join(copy, name), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir.path], { cwd: copy })) as [{ filename: string; files: { path: string }[] }];
    tarball = join(dir.path, packed[0].filename);
    files = packed[0].files.map((f) => f.path);
  });
  after(() => dir?.cleanup());

  it('ships what a user needs and nothing else: no tests, no source maps, the LICENSE, the sample the README uses', () => {
    assert.deepEqual(files.filter((f) => f.startsWith('dist/test') || f.endsWith('.map') || /^dist\/tools\/(bench|demo|samples)\//.test(f)), []);
    assert.ok(!files.some((f) => f.startsWith('dist/tools/') && f.endsWith('.d.ts')), 'the CLI needs no declarations');
    for (const f of ['LICENSE', 'README.md', 'package.json', SAMPLE, 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/testkit/index.js', 'dist/tools/cli.js']) assert.ok(files.includes(f), `${f} is not in the package`);
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(files.length < 450, `${files.length} files`);
  });

  it('installs into an empty folder; keyledger and keyledger/testkit import from ESM and type-check in strict TypeScript; npx keyledger runs', () => {
    const app = join(dir.path, 'app');
    cpSync(join(ROOT, '.npmrc'), join(app, '.npmrc'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'client', version: '1.0.0', private: true, type: 'module' }));
    // Prefer the cache that `npm ci` filled: the registry is asked only for what it lacks.
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app });
    assert.ok(!existsSync(join(app, 'node_modules', 'keyledger', 'dist', 'test')));
    assert.ok(readdirSync(join(app, 'node_modules', '@matrix-org')).includes('olm'), 'dependencies installed');

    writeFileSync(join(app, 'client.mjs'), CLIENT_MJS);
    const out = JSON.parse(run(process.execPath, ['client.mjs'], { cwd: app })) as { version: string; head: number; alice: string };
    assert.deepEqual([out.head, out.alice], [0, '@alice:example.org']);

    writeFileSync(join(app, 'client.ts'), CLIENT_TS);
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
      files: ['client.ts'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app });

    assert.match(run('npx', ['--no-install', 'keyledger', '--help'], { cwd: app }), /Usage: keyledger/);
    // The README's incident walkthrough, on the sample that ships with the package.
    const report = run(join(app, 'node_modules', '.bin', 'keyledger'), ['report', '--source', join('node_modules', 'keyledger', SAMPLE)], { cwd: app });
    assert.match(report, /6 anomalies in 3 families/);
  });
});
