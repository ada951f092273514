import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { createRustDevice, rustDeviceIdentity, rustKeysQueryResponse, rustKeysUpload } from '../interop/rust.js';
import { tempDir } from '../helpers/tmp.js';

describe('keyledger track / outgoing / sent / ingest of a sync', () => {
  const rust = '@rust:example.org';
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    dir = tempDir('keyledger-outbound-cli-');
    const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'MEDEV', unencryptedVault: true });
    await ledger.close();
  });
  afterEach(() => dir.cleanup());

  it('track makes one keys_query; outgoing lists it; sent logs the Rust device\'s /keys/query response', async () => {
    const machine = await createRustDevice(rust, 'RUSTDEV');
    let response: unknown;
    try {
      await rustKeysUpload(machine);
      response = rustKeysQueryResponse([rustDeviceIdentity(machine)]);
    } finally {
      machine.close();
    }
    const track = await cli(['--db', dir.path, 'track', rust]);
    assert.equal(track.code, 0, track.stderr);
    assert.match(track.stdout, /accepted device_list\.tracked user @rust:example\.org/);
    assert.match(track.stdout, /accepted keys_query\.requested user @rust:example\.org/);

    const listed = await cli(['--db', dir.path, 'outgoing', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; type: string; method: string; path: string; body: unknown });
    assert.equal(lines.length, 1);
    assert.deepEqual({ ...lines[0], id: 'x' }, { id: 'x', type: 'keys_query', method: 'POST', path: '/_matrix/client/v3/keys/query', body: { device_keys: { [rust]: [] } } });
    const text = await cli(['--db', dir.path, 'outgoing']);
    assert.equal(text.stdout, `${lines[0]!.id} keys_query POST /_matrix/client/v3/keys/query\n`);

    const file = join(dir.path, '..', `${lines[0]!.id}.json`);
    writeFileSync(file, JSON.stringify(response));
    const sent = await cli(['--db', dir.path, 'sent', lines[0]!.id, file]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /^sent \S+ keys_query: logged at seq \d+$/m);
    assert.match(sent.stdout, /^0 requests pending$/m);
    const trust = await cli(['--db', dir.path, 'trust', '--user', rust, '--json']);
    assert.match(trust.stdout, /"device_id":"RUSTDEV"/);
    assert.equal((await cli(['--db', dir.path, 'outgoing'])).stdout, '');
    // From stdin, the same ID again: no longer pending.
    const again = await cli(['--db', dir.path, 'sent', lines[0]!.id, '-'], JSON.stringify(response));
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /no pending request/);
  });

  it('ingest of a sync prints each to-device event; a low key count shows a keys_upload in outgoing', async () => {
    const sync = {
      kind: 'sync',
      to_device: { events: [{ type: 'org.example.ping', sender: rust, content: {} }, { type: 7 }] },
      device_one_time_keys_count: { signed_curve25519: 0 },
      device_unused_fallback_key_types: [],
    };
    const r = await cli(['--db', dir.path, 'ingest', '-'], `${JSON.stringify(sync)}\n`);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.split('\n');
    assert.match(out[0]!, /^seq 1 sync \(entries 1–4\)$/);
    assert.match(out[1]!, /^ {2}to-device 1: seq 2$/);
    assert.match(out[2]!, /^ {2}to-device 2: rejected \(seq 3\): event\.type/);
    const listed = await cli(['--db', dir.path, 'outgoing', '--json']);
    const [upload] = listed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; body: { one_time_keys: object; fallback_keys: object } });
    assert.equal(upload!.type, 'keys_upload');
    assert.equal(Object.keys(upload!.body.one_time_keys).length, 50);
    assert.equal(Object.keys(upload!.body.fallback_keys).length, 1);
    // Public keys only: nothing private in what the CLI prints.
    assert.doesNotMatch(listed.stdout, /private|pickle/i);
  });
});
