/**
 * Secret sharing of our private cross-signing keys, two ledgers of ours through the
 * in-memory homeserver: the device that holds them answers the other's `m.secret.request`
 * over Olm (claiming a session first), and the answer is imported as our own key
 * (`importCrossSigningKeys(…, 'secret_send')`), checked against the published key.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../../src/index.js';
import { InMemoryHomeserver } from '../../helpers/homeserver.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = '@me:example.org';

async function sendAll(ledger: Ledger, server: InMemoryHomeserver, deviceId: string): Promise<void> {
  for (let round = 0; round < 5 && ledger.outgoingRequests().length > 0; round++) {
    for (const request of ledger.outgoingRequests()) await ledger.markRequestAsSent(request.id, request.type, server.handle(ME, deviceId, request as never));
  }
}

async function turn(ledger: Ledger, server: InMemoryHomeserver, deviceId: string) {
  const r = await ledger.receiveSync(server.sync(ME, deviceId));
  await sendAll(ledger, server, deviceId);
  return r;
}

describe('outbound: gossip of our cross-signing keys', function () {
  this.timeout(60_000);
  const dirs: ReturnType<typeof tempDir>[] = [];
  const ledgers: Ledger[] = [];
  afterEach(async () => {
    for (const l of ledgers.splice(0)) await l.close();
    for (const d of dirs.splice(0)) d.cleanup();
  });
  async function ours(server: InMemoryHomeserver, deviceId: string): Promise<Ledger> {
    const dir = tempDir();
    dirs.push(dir);
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId, unencryptedVault: true });
    ledgers.push(ledger);
    await ledger.updateTrackedUsers([ME]);
    await turn(ledger, server, deviceId);
    await turn(ledger, server, deviceId);
    return ledger;
  }

  it('m.cross_signing.self_signing: shared by the device holding it with our verified device, imported there as ours', async () => {
    const server = new InMemoryHomeserver();
    const laptop = await ours(server, 'LAPTOP');
    await laptop.bootstrapCrossSigning();
    await sendAll(laptop, server, 'LAPTOP');
    const desktop = await ours(server, 'DESKTOP');
    await turn(laptop, server, 'LAPTOP');
    await turn(laptop, server, 'LAPTOP');
    await turn(desktop, server, 'DESKTOP');
    assert.equal(desktop.crossSigningStatus().published.selfSigning, laptop.crossSigningStatus().held?.selfSigning);
    assert.equal(desktop.crossSigningStatus().privateKeys.selfSigning, false);
    // Each verifies the other (the desktop cannot cross-sign yet).
    const ed = (l: Ledger, d: string) => l.deviceKeys().keys[`ed25519:${d}`]!;
    await laptop.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'DESKTOP', ed25519: ed(desktop, 'DESKTOP') });
    await desktop.ingest({ kind: 'user_action', action: 'verify_device', user_id: ME, device_id: 'LAPTOP', ed25519: ed(laptop, 'LAPTOP') });

    const asked = await desktop.requestSecret('m.cross_signing.self_signing');
    assert.deepEqual(asked.decisions.map((d) => d.code), ['secret_request.requested']);
    await sendAll(desktop, server, 'DESKTOP');
    const got = await turn(laptop, server, 'LAPTOP');
    assert.ok(got.decisions.some((d) => d.code === 'secret_request.shared'), got.decisions.map((d) => d.code).join(' '));
    const answered = await turn(desktop, server, 'DESKTOP');
    const codes = answered.decisions.map((d) => d.code);
    assert.ok(codes.includes('secret_send.accepted'), codes.join(' '));
    const status = desktop.crossSigningStatus();
    assert.equal(status.privateKeys.selfSigning, true);
    assert.equal(status.held?.source, 'secret_send');
    assert.equal(status.held?.selfSigning, laptop.crossSigningStatus().held?.selfSigning);
  });
});
