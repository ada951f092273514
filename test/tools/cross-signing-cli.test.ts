import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { InMemoryHomeserver } from '../helpers/homeserver.js';
import { tempDir } from '../helpers/tmp.js';

const ME = '@me:example.org';

function seedOf(ledger: Ledger, role: 'master' | 'self_signing' | 'user_signing'): string {
  return (ledger as unknown as { requests: { crossSigner: { seeds: { get(r: string): string | undefined } } } }).requests.crossSigner.seeds.get(role)!;
}

describe('keyledger cross-signing bootstrap / status', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    dir = tempDir('keyledger-xsign-cli-');
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    await ledger.close();
  });
  afterEach(() => dir.cleanup());

  it('bootstrap prints the public keys and the two queued requests, never a private key; status says what we hold and, once listed, that our identity is trusted', async () => {
    const boot = await cli(['--db', dir.path, 'cross-signing', 'bootstrap', '--json']);
    assert.equal(boot.code, 0, boot.stderr);
    const printed = JSON.parse(boot.stdout) as { keys: { master: string; selfSigning: string; userSigning: string }; requests: { id: string; type: string }[] };
    assert.deepEqual(printed.requests.map((r) => r.type), ['device_signing_upload', 'signature_upload']);
    const outgoing = await cli(['--db', dir.path, 'outgoing']);
    assert.deepEqual(outgoing.stdout.trimEnd().split('\n').map((l) => l.split(' ').slice(0, 2).join(' ')), printed.requests.map((r) => `${r.id} ${r.type}`));

    const before = await cli(['--db', dir.path, 'cross-signing', 'status']);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /^master {7}\S+ \(not listed by \/keys\/query yet\) {2}private key held: yes$/m);
    assert.match(before.stdout, /^own identity trusted: no /m);

    // The server takes the uploads and lists our identity.
    const server = new InMemoryHomeserver();
    const ledger = await openLedger({ path: dir.path, unencryptedVault: true });
    try {
      for (const r of ledger.outgoingRequests()) await ledger.markRequestAsSent(r.id, r.type, server.handle(ME, 'MEDEV', r as never));
      await ledger.ingest({ kind: 'keys_query', response: server.handle(ME, 'MEDEV', { type: 'keys_query', body: { device_keys: { [ME]: [] } } }) as never });
      const seeds = (['master', 'self_signing', 'user_signing'] as const).map((r) => seedOf(ledger, r));
      for (const text of [boot.stdout, boot.stderr, before.stdout]) for (const seed of seeds) assert.ok(!text.includes(seed));
    } finally {
      await ledger.close();
    }
    const after = await cli(['--db', dir.path, 'cross-signing', 'status', '--json']);
    assert.equal(after.code, 0, after.stderr);
    const status = JSON.parse(after.stdout) as { trusted: boolean; reason: string; published: { master: string }; privateKeys: Record<string, boolean> };
    assert.equal(status.trusted, true);
    assert.equal(status.reason, 'own_identity.trusted');
    assert.equal(status.published.master, printed.keys.master);
    assert.deepEqual(status.privateKeys, { master: true, selfSigning: true, userSigning: true });
    const text = await cli(['--db', dir.path, 'cross-signing', 'status']);
    assert.match(text.stdout, new RegExp(`^master {7}${printed.keys.master.replace(/[+/]/g, '\\$&')} {2}private key held: yes$`, 'm'));
    assert.match(text.stdout, /^own identity trusted: yes \(own_identity\.trusted, seq \d+\)$/m);
  });
});
