/**
 * QR code self-verification between two keyledger devices of one user, through the
 * in-memory homeserver (real olm, real cross-signing keys): one shows, the other scans,
 * in mode 0x01 (the showing device trusts the master key) and 0x02 (it does not yet); and
 * a scanned code whose key is not the pinned one is refused.
 */
import { strict as assert } from 'node:assert';
import { deviceTrust, identityDetail } from '../../../projections/identities/selectors.js';
import { openLedger, QrInvalidError, type Ledger } from '../../../src/index.js';
import { InMemoryHomeserver } from '../../helpers/homeserver.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';

async function twoDevices(dir: string) {
  const server = new InMemoryHomeserver();
  const a = await openLedger({ path: `${dir}/a`, userId: ME, deviceId: 'ADEV', unencryptedVault: true });
  const b = await openLedger({ path: `${dir}/b`, userId: ME, deviceId: 'BDEV', unencryptedVault: true });
  const turn = async (l: Ledger) => {
    await l.receiveSync(server.sync(ME, l.owner.deviceId));
    for (const r of l.outgoingRequests()) await l.markRequestAsSent(r.id, r.type, server.handle(ME, l.owner.deviceId, r as never));
  };
  const turns = async (n = 3) => {
    for (let i = 0; i < n; i++) {
      await turn(a);
      await turn(b);
    }
  };
  await a.updateTrackedUsers([ME]);
  await b.updateTrackedUsers([ME]);
  await turns();
  return { a, b, turn, turns };
}

/** `shower` asks `scanner` with QR offered on both sides: the flow is ready on both. */
async function ready(p: Awaited<ReturnType<typeof twoDevices>>, shower: Ledger, scanner: Ledger): Promise<string> {
  const { id } = await shower.requestVerification(ME, scanner.owner.deviceId, { qr: true });
  await p.turn(shower);
  await p.turn(scanner);
  await scanner.acceptVerification(id, { qr: true });
  await p.turn(scanner);
  await p.turn(shower);
  return id;
}

const phase = (l: Ledger, id: string) => l.verifications().find((f) => f.id === id)!;

describe('QR code self-verification between two ledgers', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir('keyledger-qr-')));
  afterEach(() => dir.cleanup());

  it('mode 0x01: A trusts the master key and shows, B scans: B verifies the master key, A verifies B', async () => {
    const p = await twoDevices(dir.path);
    try {
      await p.a.bootstrapCrossSigning();
      await p.turns();
      assert.equal(identityDetail(p.a.state(), ME).level, 'verified');
      assert.notEqual(identityDetail(p.b.state(), ME).level, 'verified');
      const id = await ready(p, p.a, p.b);
      const code = p.a.verificationQrCode(id);
      assert.equal(code[7], 0x01);
      await p.b.scanVerificationQrCode(id, code);
      await p.turn(p.b);
      await p.turn(p.a);
      assert.equal(phase(p.a, id).phase, 'started');
      await p.a.confirmSas(id);
      await p.turns(4);
      assert.equal(phase(p.a, id).phase, 'done', JSON.stringify(phase(p.a, id).outcome));
      assert.equal(phase(p.b, id).phase, 'done', JSON.stringify(phase(p.b, id).outcome));
      assert.equal(deviceTrust(p.a.state(), ME, 'BDEV').level, 'verified');
      assert.equal(identityDetail(p.b.state(), ME).level, 'verified', 'B now trusts the master key the code carried');
    } finally {
      await p.a.close();
      await p.b.close();
    }
  });

  it('mode 0x02: B does not trust the master key and shows, A scans: A verifies B\'s device, B verifies the master key', async () => {
    const p = await twoDevices(dir.path);
    try {
      await p.a.bootstrapCrossSigning();
      await p.turns();
      const id = await ready(p, p.b, p.a);
      const code = p.b.verificationQrCode(id);
      assert.equal(code[7], 0x02);
      await p.a.scanVerificationQrCode(id, code);
      await p.turn(p.a);
      await p.turn(p.b);
      await p.b.confirmSas(id);
      await p.turns(4);
      assert.equal(phase(p.a, id).phase, 'done', JSON.stringify(phase(p.a, id).outcome));
      assert.equal(phase(p.b, id).phase, 'done', JSON.stringify(phase(p.b, id).outcome));
      assert.equal(deviceTrust(p.a.state(), ME, 'BDEV').level, 'verified');
      assert.equal(identityDetail(p.b.state(), ME).level, 'verified');
    } finally {
      await p.a.close();
      await p.b.close();
    }
  });

  it('mode 0x01 with a device key that is not the scanner\'s is refused (verification.qr_key_mismatch), and a non-Matrix code throws QrInvalidError', async () => {
    const p = await twoDevices(dir.path);
    try {
      await p.a.bootstrapCrossSigning();
      await p.turns();
      const id = await ready(p, p.a, p.b);
      await assert.rejects(p.b.scanVerificationQrCode(id, new TextEncoder().encode('https://example.org')), QrInvalidError);
      assert.equal(phase(p.b, id).phase, 'ready', 'a code that is not ours changes nothing');
      const code = Uint8Array.from(p.a.verificationQrCode(id));
      const len = (code[8]! << 8) | code[9]!;
      code[42 + len] ^= 1;
      await p.b.scanVerificationQrCode(id, code);
      assert.equal(phase(p.b, id).outcome?.code, 'verification.qr_key_mismatch');
      assert.equal(phase(p.b, id).outcome?.cancelCode, 'm.key_mismatch');
      await p.turn(p.b);
      await p.turn(p.a);
      assert.equal(phase(p.a, id).phase, 'cancelled');
      assert.notEqual(identityDetail(p.b.state(), ME).level, 'verified');
    } finally {
      await p.a.close();
      await p.b.close();
    }
  });
});
