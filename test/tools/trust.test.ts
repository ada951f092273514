import { strict as assert } from 'node:assert';
import { openLedger } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload } from '../interop/rust.js';
import { tempDir } from '../helpers/tmp.js';


describe('keyledger trust', () => {
  const dir = tempDir('keyledger-trust-cli-');
  const rust = '@rust:example.org';
  let master: string;
  let ed25519: string;

  before(async () => {
    const machine = await createRustDevice(rust, 'RUSTDEV');
    try {
      await rustKeysUpload(machine);
      const identity = await rustBootstrapCrossSigning(machine);
      master = Object.values(identity.masterKey!.keys)[0]!;
      ed25519 = identity.deviceKeys.keys['ed25519:RUSTDEV']!;
      const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'MEDEV', unencryptedVault: true });
      await ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([identity]) });
      await ledger.close();
    } finally {
      machine.close();
    }
  });
  after(() => dir.cleanup());

  it('shows the Rust SDK\'s identity as pinned and its device as cross-signed, with reasons and seqs', async () => {
    const r = await cli(['--db', dir.path, 'trust']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], '# trust at seq 1');
    assert.match(lines[1]!, /^USER \/ DEVICE\s+TRUST\s+REASON\s+SEQ\s+MASTER \/ ED25519 KEY$/);
    assert.ok(lines.some((l) => /^@me:example\.org\s+unknown\s+identity\.unknown\s+-1\s+-$/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^ {2}MEDEV\s+verified\s+device\.own\s+0\s/.test(l)), r.stdout);
    assert.ok(lines.some((l) => l.startsWith(rust) && /\spinned\s+identity\.pinned\s+1\s/.test(l) && l.endsWith(master)), r.stdout);
    assert.ok(lines.some((l) => /^ {2}RUSTDEV\s+cross_signed_tofu\s+cross_signed\.pinned_identity\s+1\s/.test(l) && l.endsWith(ed25519)), r.stdout);
  });

  it('--user --json: one JSON line for that user', async () => {
    const r = await cli(['--db', dir.path, 'trust', '--user', rust, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    const report = JSON.parse(lines[0]!) as { user: string; identity: Record<string, unknown>; devices: Record<string, unknown>[] };
    assert.equal(report.user, rust);
    assert.deepEqual(report.identity, { state: 'pinned', reason: 'identity.pinned', seq: 1, master_key: master, pinned_key: master });
    assert.equal(report.devices.length, 1);
    assert.deepEqual({ ...report.devices[0], curve25519: undefined }, { device_id: 'RUSTDEV', trust: 'cross_signed_tofu', reason: 'cross_signed.pinned_identity', seq: 1, ed25519, curve25519: undefined });
  });

  it('--at 0: the answers before the keys were listed; --at beyond the log is an error', async () => {
    const r = await cli(['--db', dir.path, 'trust', '--at', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { user: string }).user), ['@me:example.org']);
    const bad = await cli(['--db', dir.path, 'trust', '--at', '9']);
    assert.equal(bad.code, 2); // usage: --at past the end
    assert.match(bad.stderr, /beyond the end of the log/);
  });
});
