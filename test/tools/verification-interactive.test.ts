/**
 * `keyledger verify-device … --interactive` against the Rust SDK, through stdin and
 * stdout only: one process carries the whole SAS (its secret never leaves it), prints each
 * message to send as one JSON line, reads Rust's events one per line, shows the emoji and
 * asks whether they match. Both sides end verified; "no" cancels with m.mismatched_sas.
 */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { deviceTrust } from '../../projections/identities/selectors.js';
import { openLedger } from '../../src/index.js';
import { main } from '../../tools/main.js';
import { tempDir } from '../helpers/tmp.js';
import { RustSdk, createRustDevice, rustDeviceIdentity, rustKeysQueryResponse, rustKeysUpload } from '../interop/rust.js';

const ME = '@me:example.org';
const RUST = '@rust:example.org';

/** Runs the interactive CLI with Rust on the other end of its stdin/stdout until it exits. */
async function converse(path: string, machine: RustSdk.OlmMachine, answer: string) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  let exited: number | null = null;
  const run = main(['--db', path, 'verify-device', RUST, 'RUSTDEV', '--interactive'], { stdin, stdout, stderr, env: {} }).then((code) => (exited = code));
  /** Rust's pending to-device messages, written to the CLI's stdin as to-device events. */
  const fromRust = async (requests: unknown[]) => {
    for (const request of requests) {
      const r = request as { id: string; type: RustSdk.RequestType; event_type: string; body: string };
      if (r.type !== RustSdk.RequestType.ToDevice) continue;
      const content = (JSON.parse(r.body) as { messages: Record<string, Record<string, unknown>> }).messages[ME]!['MEDEV'];
      stdin.write(`${JSON.stringify({ type: r.event_type, sender: RUST, content })}\n`);
      await machine.markRequestAsSent(r.id, r.type, '{}');
    }
  };
  let read = 0;
  let answered = false;
  let flowId: string | null = null;
  let sas: RustSdk.Sas | undefined;
  let shownEmoji: string[] = [];
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  for (let i = 0; i < 8000 && exited === null; i++) {
    await settle();
    const lines = out.split('\n').slice(0, -1);
    if (lines.length > read) {
      const line = lines[read++]!;
      const message = JSON.parse(line) as { type: string; event_type: string; body: { messages: Record<string, Record<string, Record<string, unknown>>> } };
      assert.equal(message.type, 'to_device', 'stdout holds only the messages to send');
      const content = message.body.messages[RUST]!['RUSTDEV']!;
      flowId ??= content.transaction_id as string;
      await machine.receiveSyncChanges(JSON.stringify([{ type: message.event_type, sender: ME, content }]), new RustSdk.DeviceLists(), new Map(), new Set());
      if (message.event_type === 'm.key.verification.request') await fromRust([machine.getVerificationRequest(new RustSdk.UserId(ME), flowId)!.accept()]);
      if (message.event_type === 'm.key.verification.start') {
        sas = machine.getVerification(new RustSdk.UserId(ME), flowId) as RustSdk.Sas;
        await fromRust([sas.accept()]);
      }
      await fromRust(await machine.outgoingRequests());
      continue;
    }
    if (!answered && err.includes('do they match? [y/N]')) {
      answered = true;
      shownEmoji = sas!.emoji()!.map((e) => e.symbol);
      assert.ok(shownEmoji.every((e) => err.includes(e)), 'the CLI shows the emoji Rust shows');
      assert.ok(err.includes(`decimals: ${[...sas!.decimals()!].join(' ')}`), 'and the same numbers');
      stdin.write(`${answer}\n`);
      if (answer === 'y') await fromRust(await sas!.confirm());
      else await fromRust([sas!.cancel()].filter((r) => r !== undefined));
    }
  }
  stdin.end();
  const code = await run;
  return { code, out, err, sas: sas!, flowId: flowId! };
}

describe('keyledger verify-device --interactive (a SAS by hand, against the Rust SDK)', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let machine: RustSdk.OlmMachine;
  beforeEach(async () => {
    dir = tempDir('keyledger-verification-interactive-');
    machine = await createRustDevice(RUST, 'RUSTDEV');
    await rustKeysUpload(machine);
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: 'MEDEV', unencryptedVault: true });
    await ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([rustDeviceIdentity(machine)]) as never });
    const upload = ledger.deviceKeys();
    await ledger.close();
    await machine.receiveSyncChanges('[]', new RustSdk.DeviceLists([new RustSdk.UserId(ME)], []), new Map(), new Set());
    const query = (await machine.outgoingRequests()).find((r) => r.type === RustSdk.RequestType.KeysQuery) as RustSdk.KeysQueryRequest;
    await machine.markRequestAsSent(query.id, query.type, JSON.stringify({ device_keys: { [ME]: { MEDEV: upload } }, failures: {} }));
  });
  afterEach(() => {
    machine.close();
    dir.cleanup();
  });

  it('one run carries the SAS to the end: same emoji, "y", both sides verified; stdout holds only the messages to send', async () => {
    const { code, out, err, sas, flowId } = await converse(dir.path, machine, 'y');
    assert.equal(code, 0, err);
    assert.ok(sas.isDone(), 'Rust finished');
    assert.ok((await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV')))!.isVerified(), 'Rust verified our device');
    const types = out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { event_type: string }).event_type);
    assert.deepEqual(types, ['request', 'start', 'key', 'mac', 'done'].map((t) => `m.key.verification.${t}`));
    assert.match(err, new RegExp(`${flowId} done ${RUST} RUSTDEV verification\\.done`));
    const ledger = await openLedger({ path: dir.path, unencryptedVault: true });
    try {
      assert.equal(deviceTrust(ledger.state(), RUST, 'RUSTDEV').level, 'verified');
      assert.equal(ledger.outgoingRequests().filter((r) => r.type === 'to_device').length, 0, 'every message was handed out');
    } finally {
      await ledger.close();
    }
  });

  it('"no" cancels with m.mismatched_sas (sent to Rust), exit 1, nothing verified', async () => {
    const { code, out, err } = await converse(dir.path, machine, 'n');
    assert.equal(code, 1, err);
    const last = JSON.parse(out.trimEnd().split('\n').pop()!) as { event_type: string; body: { messages: Record<string, Record<string, { code: string }>> } };
    assert.equal(last.event_type, 'm.key.verification.cancel');
    assert.equal(last.body.messages[RUST]!['RUSTDEV']!.code, 'm.mismatched_sas');
    assert.match(err, /verification\.mismatched_sas/);
  });

  it('sas ID --interactive --confirm answers a flow Rust asked for (ready, accept, key, MAC) without asking: both verified', async () => {
    const ledger0 = await openLedger({ path: dir.path, unencryptedVault: true });
    const device = await machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId('MEDEV'));
    const [request, toDevice] = device!.requestVerification([RustSdk.VerificationMethod.SasV1]);
    const content = (JSON.parse(toDevice.body) as { messages: Record<string, Record<string, unknown>> }).messages[ME]!['MEDEV'];
    await ledger0.ingest({ kind: 'to_device', event: { type: 'm.key.verification.request', sender: RUST, content } as never });
    await ledger0.close();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    let exited: number | null = null;
    const run = main(['--db', dir.path, 'sas', request.flowId, '--interactive', '--confirm'], { stdin, stdout, stderr, env: {} }).then((code) => (exited = code));
    const fromRust = async (requests: unknown[]) => {
      for (const r of requests as { id: string; type: RustSdk.RequestType; event_type: string; body: string }[]) {
        if (r.type !== RustSdk.RequestType.ToDevice) continue;
        const c = (JSON.parse(r.body) as { messages: Record<string, Record<string, unknown>> }).messages[ME]!['MEDEV'];
        stdin.write(`${JSON.stringify({ type: r.event_type, sender: RUST, content: c })}\n`);
        await machine.markRequestAsSent(r.id, r.type, '{}');
      }
    };
    let read = 0;
    let sas: RustSdk.Sas | undefined;
    let confirmed = false;
    for (let i = 0; i < 8000 && exited === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const lines = out.split('\n').slice(0, -1);
      if (lines.length <= read) continue;
      const message = JSON.parse(lines[read++]!) as { event_type: string; body: { messages: Record<string, Record<string, unknown>> } };
      await machine.receiveSyncChanges(JSON.stringify([{ type: message.event_type, sender: ME, content: message.body.messages[RUST]!['RUSTDEV'] }]), new RustSdk.DeviceLists(), new Map(), new Set());
      if (message.event_type === 'm.key.verification.ready') {
        const [s, start] = (await request.startSas())!;
        sas = s;
        await fromRust([start]);
      }
      await fromRust(await machine.outgoingRequests());
      if (sas !== undefined && !confirmed && (sas.emoji() ?? null) !== null) {
        confirmed = true;
        // The CLI shows the emoji once it has read Rust's key; on a busy machine that may come a little after Rust has them.
        const shown = () => sas!.emoji()!.every((e) => err.includes(e.symbol));
        for (let j = 0; j < 2000 && !shown() && exited === null; j++) await new Promise((resolve) => setTimeout(resolve, 5));
        assert.ok(shown(), 'the CLI showed Rust\'s emoji');
        await fromRust(await sas.confirm());
      }
    }
    stdin.end();
    assert.equal(await run, 0, err);
    assert.doesNotMatch(err, /do they match/, '--confirm does not ask');
    assert.ok(sas!.isDone(), 'Rust finished');
    const ledger = await openLedger({ path: dir.path, unencryptedVault: true });
    try {
      assert.equal(deviceTrust(ledger.state(), RUST, 'RUSTDEV').level, 'verified');
    } finally {
      await ledger.close();
    }
  });
});
