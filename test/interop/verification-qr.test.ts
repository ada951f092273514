/**
 * QR code verification with the Rust SDK: keyledger shows the code (mode 0x00, verifying
 * another user), Rust scans it and sends `m.reciprocate.v1` with its secret; the user
 * confirms the other device scanned it, both end done and verified. A code whose secret
 * was tampered with is refused with `m.key_mismatch`.
 */
import { strict as assert } from 'node:assert';
import { deviceTrust, identityDetail } from '../../projections/identities/selectors.js';
import { QrUnavailableError } from '../../src/index.js';
import { RustSdk } from './rust.js';
import { ME, MEDEV, RUST, RUSTDEV, verificationPeers, type Peers } from './verification-peers.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** The parts of a QR payload (spec "QR code format"). */
function parts(bytes: Uint8Array) {
  const len = (bytes[8]! << 8) | bytes[9]!;
  return {
    magic: Buffer.from(bytes.subarray(0, 6)).toString('ascii'), version: bytes[6], mode: bytes[7],
    id: Buffer.from(bytes.subarray(10, 10 + len)).toString('utf8'),
    first: b64(bytes.subarray(10 + len, 42 + len)), second: b64(bytes.subarray(42 + len, 74 + len)), secret: bytes.subarray(74 + len),
  };
}

/** Our QR request to a Rust device of our own user, accepted by it (scan + reciprocate): the flow is ready. */
async function selfReady(peers: Peers, rustDevice: string): Promise<string> {
  const { id } = await peers.ledger.requestVerification(ME, rustDevice, { qr: true });
  await peers.ledgerTurn();
  await peers.rustTurn();
  const M = RustSdk.VerificationMethod;
  await peers.sendRust(peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)!.acceptWithMethods([M.SasV1, M.QrCodeScanV1, M.ReciprocateV1]));
  await peers.ledgerTurn();
  return id;
}

async function finishScanned(peers: Peers, id: string, bytes: Uint8Array): Promise<RustSdk.Qr> {
  const qr = await scanByRust(peers, id, bytes);
  await peers.ledgerTurn();
  await peers.ledger.confirmSas(id);
  for (let i = 0; i < 5; i++) {
    await peers.ledgerTurn();
    await peers.rustTurn();
  }
  return qr;
}

/** Both sides with a cross-signing identity, our QR request to Rust accepted: the flow is ready. */
async function readyForQr(peers: Peers, qr: boolean, rustMethods?: RustSdk.VerificationMethod[]): Promise<string> {
  await peers.ledger.updateTrackedUsers([ME]);
  await peers.ledger.bootstrapCrossSigning();
  await peers.rustBootstrap();
  for (let i = 0; i < 3; i++) {
    await peers.ledgerTurn();
    await peers.rustTurn();
  }
  const { id, requests } = await peers.ledger.requestVerification(RUST, RUSTDEV, { qr });
  const sent = requests.find((r) => r.type === 'to_device') as { body: { messages: Record<string, Record<string, { methods: string[] }>> } };
  const methods = sent.body.messages[RUST]![RUSTDEV]!.methods;
  assert.deepEqual(methods, qr ? ['m.sas.v1', 'm.qr_code.show.v1', 'm.qr_code.scan.v1', 'm.reciprocate.v1'] : ['m.sas.v1']);
  await peers.ledgerTurn();
  await peers.rustTurn();
  const M = RustSdk.VerificationMethod;
  await peers.sendRust(peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)!.acceptWithMethods(rustMethods ?? [M.SasV1, M.QrCodeScanV1, M.ReciprocateV1]));
  await peers.ledgerTurn();
  return id;
}

async function scanByRust(peers: Peers, id: string, bytes: Uint8Array): Promise<RustSdk.Qr> {
  const request = peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)!;
  const qr = await request.scanQrCode(RustSdk.QrCodeScan.fromBytes(new Uint8ClampedArray(bytes)));
  await peers.sendRust(qr.reciprocate());
  return qr;
}

describe('interop: QR code verification with the Rust SDK', function () {
  this.timeout(120_000);

  it('keyledger shows a mode 0x00 code, Rust scans it; the user confirms; both end verified', async () => {
    const peers = await verificationPeers();
    try {
      const id = await readyForQr(peers, true);
      const rustMaster = identityDetail(peers.ledger.state(), RUST).masterKey!;
      const ourMaster = identityDetail(peers.ledger.state(), ME).masterKey!;
      const flow0 = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow0.phase, 'ready');
      assert.deepEqual(flow0.pinned!.map((k) => k.keyId).sort(), [`ed25519:${RUSTDEV}`, `ed25519:${rustMaster}`].sort(), 'keys pinned when the flow became ready');
      const bytes = peers.ledger.verificationQrCode(id);
      assert.deepEqual(peers.ledger.verificationQrCode(id), bytes, 'one secret per flow');
      // The spec's layout: MATRIX, 0x02, mode 0x00, the ID, our master key, theirs, the secret.
      assert.equal(Buffer.from(bytes.subarray(0, 6)).toString('ascii'), 'MATRIX');
      assert.equal(bytes[6], 0x02);
      assert.equal(bytes[7], 0x00);
      const len = (bytes[8]! << 8) | bytes[9]!;
      assert.equal(Buffer.from(bytes.subarray(10, 10 + len)).toString('utf8'), id);
      assert.equal(Buffer.from(bytes.subarray(10 + len, 42 + len)).toString('base64').replace(/=+$/, ''), ourMaster);
      assert.equal(Buffer.from(bytes.subarray(42 + len, 74 + len)).toString('base64').replace(/=+$/, ''), rustMaster);

      const rustQr = await scanByRust(peers, id, bytes);
      assert.ok(rustQr.reciprocated());
      await peers.ledgerTurn();
      const decisions = await peers.ledger.decisions({});
      assert.ok(decisions.some((d) => d.code === 'verification.qr_scanned' && d.detail?.['flow_id'] === id), JSON.stringify(decisions.filter((d) => d.code.startsWith('verification')).slice(-4)));
      // No secret in the log: the fact carries only the result.
      const secretB64 = Buffer.from(bytes.subarray(74 + len)).toString('base64').replace(/=+$/, '');
      for await (const e of peers.ledger.entries({})) {
        if (e.kind === 'qr_secret_checked') assert.ok(!JSON.stringify(e.payload).includes(secretB64));
      }
      assert.equal(peers.ledger.verifications().find((f) => f.id === id)!.phase, 'started');
      await peers.ledger.confirmSas(id); // "the other device scanned it"
      for (let i = 0; i < 5; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'done', JSON.stringify(flow.outcome));
      assert.equal(identityDetail(peers.ledger.state(), RUST).level, 'verified');
      assert.ok(rustQr.isDone(), 'Rust ended done');
      const ours = await peers.machine.getIdentity(new RustSdk.UserId(ME));
      assert.ok(ours !== undefined && ours.isVerified(), 'Rust reports our identity verified');
      const device = await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV));
      assert.ok(device!.isVerified(), 'Rust reports our device verified');
    } finally {
      await peers.close();
    }
  });

  it('a scanned code whose secret is not ours is refused with m.key_mismatch (verification.qr_secret_mismatch)', async () => {
    const peers = await verificationPeers();
    try {
      const id = await readyForQr(peers, true);
      const bytes = peers.ledger.verificationQrCode(id);
      const forged = Uint8Array.from(bytes);
      forged[forged.length - 1] ^= 0xff;
      await scanByRust(peers, id, forged);
      await peers.ledgerTurn();
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'cancelled');
      assert.equal(flow.outcome!.code, 'verification.qr_secret_mismatch');
      assert.equal(flow.outcome!.cancelCode, 'm.key_mismatch');
      await assert.rejects(peers.ledger.confirmSas(id).then((r) => { if (r.flow?.phase !== 'done') throw new Error('not done'); }));
      assert.notEqual(identityDetail(peers.ledger.state(), RUST).level, 'verified');
    } finally {
      await peers.close();
    }
  });

  it('without the qr option no code is offered: verificationQrCode throws QrUnavailableError', async () => {
    const peers = await verificationPeers();
    try {
      const id = await readyForQr(peers, false);
      assert.throws(() => peers.ledger.verificationQrCode(id), QrUnavailableError);
    } finally {
      await peers.close();
    }
  });

  it('self-verification, this device trusts our master key: a mode 0x01 code (master key, the other device\'s key); the other device ends verified and signed', async () => {
    const peers = await verificationPeers(['RUSTME'], ME);
    try {
      await peers.ledger.bootstrapCrossSigning();
      for (let i = 0; i < 3; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      const master = identityDetail(peers.ledger.state(), ME);
      assert.equal(master.level, 'verified', 'our device trusts our master key');
      const id = await selfReady(peers, 'RUSTME');
      const bytes = peers.ledger.verificationQrCode(id);
      const p = parts(bytes);
      assert.deepEqual([p.magic, p.version, p.mode, p.id], ['MATRIX', 2, 1, id]);
      assert.equal(p.first, master.masterKey);
      assert.equal(p.second, peers.machine.identityKeys.ed25519.toBase64());
      const qr = await finishScanned(peers, id, bytes);
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'done', JSON.stringify(flow.outcome));
      assert.equal(deviceTrust(peers.ledger.state(), ME, 'RUSTME').level, 'verified');
      let signed = false;
      for await (const e of peers.ledger.entries({})) {
        const body = (e.payload as { type?: string; body?: Record<string, Record<string, unknown>> });
        if (e.kind === 'outgoing_request' && body.type === 'signature_upload' && Object.keys(body.body?.[ME] ?? {}).includes('RUSTME')) signed = true;
      }
      assert.ok(signed, 'we signed the other device with our self-signing key');
      assert.ok(qr.isDone(), 'Rust ended done');
      const rustSees = await peers.machine.getIdentity(new RustSdk.UserId(ME));
      assert.ok(rustSees !== undefined && rustSees.isVerified(), 'Rust, having scanned our master key, trusts it');
    } finally {
      await peers.close();
    }
  });

  it('self-verification, this device does not trust the master key yet: a mode 0x02 code (this device\'s key, the master key); our master key ends verified', async () => {
    const peers = await verificationPeers(['RUSTME'], ME);
    try {
      await peers.rustBootstrap(); // the Rust device made our user's cross-signing keys; we have none
      for (let i = 0; i < 3; i++) {
        await peers.rustTurn();
        await peers.ledgerTurn();
      }
      const before = identityDetail(peers.ledger.state(), ME);
      assert.ok(before.masterKey !== null && before.level !== 'verified', before.level);
      const id = await selfReady(peers, 'RUSTME');
      const bytes = peers.ledger.verificationQrCode(id);
      const p = parts(bytes);
      assert.deepEqual([p.magic, p.version, p.mode, p.id], ['MATRIX', 2, 2, id]);
      assert.equal(p.first, peers.ledger.deviceKeys().keys[`ed25519:${MEDEV}`]);
      assert.equal(p.second, before.masterKey);
      const qr = await finishScanned(peers, id, bytes);
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'done', JSON.stringify(flow.outcome));
      assert.equal(identityDetail(peers.ledger.state(), ME).level, 'verified', 'the master key the code carried is verified');
      assert.ok(qr.isDone(), 'Rust ended done');
      const device = await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV));
      assert.ok(device!.isVerified(), 'Rust verified (and signed) our device');
    } finally {
      await peers.close();
    }
  });

  it('Rust shows a mode 0x00 code, keyledger scans it: keys checked against the pinned ones, reciprocate sent (secret never logged), both end verified', async () => {
    const peers = await verificationPeers();
    try {
      const M = RustSdk.VerificationMethod;
      const id = await readyForQr(peers, true, [M.QrCodeShowV1, M.ReciprocateV1]);
      const rustMaster = identityDetail(peers.ledger.state(), RUST).masterKey!;
      const request = peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)!;
      const qr = (await request.generateQrCode())!;
      assert.ok(qr !== undefined, 'Rust shows a code');
      const bytes = new Uint8Array(qr.toBytes());
      const secret = b64(parts(bytes).secret);
      const scanned = await peers.ledger.scanVerificationQrCode(id, bytes);
      assert.ok(scanned.decisions.some((d) => d.code === 'verification.step' && d.detail?.['step'] === 'qr_scanned_theirs' && d.detail?.['verified'] === `ed25519:${rustMaster}`));
      const start = peers.ledger.outgoingRequests().find((r) => r.type === 'to_device' && r.event_type === 'm.key.verification.start') as { body: { messages: Record<string, Record<string, { method: string; secret: string }>> } };
      assert.equal(start.body.messages[RUST]![RUSTDEV]!.method, 'm.reciprocate.v1');
      assert.equal(start.body.messages[RUST]![RUSTDEV]!.secret, secret, 'the client sends the real secret');
      await peers.ledgerTurn();
      await peers.rustTurn();
      assert.ok(qr.hasBeenScanned(), 'Rust saw our reciprocate with its secret');
      await peers.sendRust(qr.confirmScanning());
      for (let i = 0; i < 4; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'done', JSON.stringify(flow.outcome));
      assert.equal(identityDetail(peers.ledger.state(), RUST).level, 'verified');
      assert.ok(qr.isDone(), 'Rust ended done');
      const ours = await peers.machine.getIdentity(new RustSdk.UserId(ME));
      assert.ok(ours !== undefined && ours.isVerified(), 'Rust reports our identity verified');
      for await (const e of peers.ledger.entries({})) assert.ok(!JSON.stringify(e.payload).includes(secret), `the secret is not in entry ${e.seq} (${e.kind})`);
    } finally {
      await peers.close();
    }
  });

  for (const [what, tamper] of [
    ['a first key that is not their pinned master key', (b: Uint8Array, len: number) => { b[10 + len] ^= 1; }],
    ['a second key that is not our master key', (b: Uint8Array, len: number) => { b[42 + len] ^= 1; }],
    ['another mode (0x02, self-verification, for another user)', (b: Uint8Array) => { b[7] = 2; }],
    ['another flow\'s ID', (b: Uint8Array, len: number) => { b[10 + len - 1] ^= 1; }],
  ] as const) {
    it(`a scanned code with ${what} is refused with m.key_mismatch (verification.qr_key_mismatch)`, async () => {
      const peers = await verificationPeers();
      try {
        const M = RustSdk.VerificationMethod;
        const id = await readyForQr(peers, true, [M.QrCodeShowV1, M.ReciprocateV1]);
        const qr = (await peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)!.generateQrCode())!;
        const bytes = new Uint8Array(qr.toBytes());
        tamper(bytes, (bytes[8]! << 8) | bytes[9]!);
        await peers.ledger.scanVerificationQrCode(id, bytes);
        const flow = peers.ledger.verifications().find((f) => f.id === id)!;
        assert.equal(flow.phase, 'cancelled');
        assert.equal(flow.outcome!.code, 'verification.qr_key_mismatch');
        assert.equal(flow.outcome!.cancelCode, 'm.key_mismatch');
        const sent = peers.ledger.outgoingRequests().map((r) => r.type === 'to_device' ? r.event_type : r.type);
        assert.deepEqual(sent.filter((t) => t.startsWith('m.key.verification')), ['m.key.verification.cancel']);
        assert.notEqual(identityDetail(peers.ledger.state(), RUST).level, 'verified');
      } finally {
        await peers.close();
      }
    });
  }
});
