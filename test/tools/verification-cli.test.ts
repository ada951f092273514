/**
 * The verification commands against a Rust device: `verify-device` queues the request
 * (seen in `outgoing`), a Rust request is listed by `verifications` and accepted with
 * `accept`, `cancel` queues m.user, and an unknown flow ID exits 1.
 */
import { strict as assert } from 'node:assert';
import { openLedger } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice, rustDeviceIdentity, rustKeysQueryResponse, rustKeysUpload } from '../interop/rust.js';

const ME = '@me:example.org';
const RUST = '@rust:example.org';

describe('keyledger verifications / verify-device / verify-user / accept / sas / confirm / cancel', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let machine: RustSdk.OlmMachine;
  beforeEach(async () => {
    dir = tempDir('keyledger-verification-cli-');
    machine = await createRustDevice(RUST, 'RUSTDEV');
    await rustKeysUpload(machine);
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    await ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([rustDeviceIdentity(machine)]) as never });
    await ledger.close();
  });
  afterEach(() => {
    machine.close();
    dir.cleanup();
  });

  it('verify-device queues an m.key.verification.request that outgoing lists; cancel queues m.user', async () => {
    const run = await cli(['--db', dir.path, 'verify-device', RUST, 'RUSTDEV']);
    assert.equal(run.code, 0, run.stderr);
    const [first] = run.stdout.split('\n');
    const [id, phase, user, device] = first!.split(' ');
    assert.deepEqual([phase, user, device], ['requested', RUST, 'RUSTDEV']);
    assert.match(run.stdout, /accepted verification\.requested device @rust:example\.org RUSTDEV/);
    const out = await cli(['--db', dir.path, 'outgoing', '--json']);
    const requests = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; event_type?: string; body: { messages: Record<string, Record<string, { transaction_id: string; methods: string[] }>> } });
    const request = requests.find((r) => r.event_type === 'm.key.verification.request')!;
    assert.equal(request.body.messages[RUST]!['RUSTDEV']!.transaction_id, id);
    assert.deepEqual(request.body.messages[RUST]!['RUSTDEV']!.methods, ['m.sas.v1']);

    const cancel = await cli(['--db', dir.path, 'cancel', id!]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /cancelled @rust:example\.org RUSTDEV verification\.cancelled m\.user/);
    assert.match(cancel.stdout, /queued \S+ to_device m\.key\.verification\.cancel/);
    const list = await cli(['--db', dir.path, 'verifications', '--json']);
    const flows = list.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; phase: string; outcome: { cancelCode: string } });
    assert.deepEqual(flows.map((f) => [f.id, f.phase, f.outcome.cancelCode]), [[id, 'cancelled', 'm.user']]);
  });

  it('a Rust request is listed by verifications and answered by accept (ready, which Rust takes)', async () => {
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    const upload = ledger.deviceKeys();
    await ledger.close();
    await machine.receiveSyncChanges('[]', new RustSdk.DeviceLists([new RustSdk.UserId(ME)], []), new Map(), new Set());
    const query = (await machine.outgoingRequests()).find((r) => r.type === RustSdk.RequestType.KeysQuery) as RustSdk.KeysQueryRequest;
    await machine.markRequestAsSent(query.id, query.type, JSON.stringify({ device_keys: { [ME]: { MEDEV: upload } }, failures: {} }));
    const device = await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
    const [request, toDevice] = device!.requestVerification([RustSdk.VerificationMethod.SasV1]);
    const content = (JSON.parse(toDevice.body) as { messages: Record<string, Record<string, unknown>> }).messages[ME]!['MEDEV'];
    const ingest = await cli(['--db', dir.path, 'ingest'], JSON.stringify({ kind: 'sync', to_device: { events: [{ type: 'm.key.verification.request', sender: RUST, content }] } }));
    assert.equal(ingest.code, 0, ingest.stderr);
    const list = await cli(['--db', dir.path, 'verifications']);
    assert.match(list.stdout, new RegExp(`^${request.flowId} requested ${RUST} RUSTDEV\\n`));
    const accept = await cli(['--db', dir.path, 'accept', request.flowId]);
    assert.equal(accept.code, 0, accept.stderr);
    assert.match(accept.stdout, /queued \S+ to_device m\.key\.verification\.ready/);
    const out = await cli(['--db', dir.path, 'outgoing', '--json']);
    const ready = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { event_type?: string; body: { messages: Record<string, Record<string, unknown>> } }).find((r) => r.event_type === 'm.key.verification.ready')!;
    await machine.receiveSyncChanges(JSON.stringify([{ type: 'm.key.verification.ready', sender: ME, content: ready.body.messages[RUST]!['RUSTDEV'] }]), new RustSdk.DeviceLists([], []), new Map(), new Set());
    assert.ok(request.isReady(), 'Rust took our ready');
  });

  it('an unknown flow ID exits 1; verify-user --room queues one m.room.message request in that room', async () => {
    for (const command of ['accept', 'sas', 'confirm', 'cancel']) {
      const run = await cli(['--db', dir.path, command, 'nope']);
      assert.equal(run.code, 1, `${command}: ${run.stderr}`);
      assert.match(run.stderr, /no verification flow nope/);
    }
    const room = await cli(['--db', dir.path, 'verify-user', RUST, '--room', '!r:example.org']);
    assert.equal(room.code, 0, room.stderr);
    assert.match(room.stdout, /queued \S+ room_message/);
    const out = await cli(['--db', dir.path, 'outgoing', '--json']);
    const request = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; room_id?: string; body: { msgtype?: string; to?: string } }).find((r) => r.type === 'room_message')!;
    assert.deepEqual([request.room_id, request.body.msgtype, request.body.to], ['!r:example.org', 'm.key.verification.request', RUST]);
  });
});
