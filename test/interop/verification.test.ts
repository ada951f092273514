/**
 * Emoji SAS between keyledger and the Rust SDK, to-device, through the in-memory
 * homeserver: both directions, the same 7 emoji and 3 numbers on both sides, both end
 * verified (keyledger's `deviceTrust` with the flow's done decision as its ground).
 */
import { strict as assert } from 'node:assert';
import { deviceTrust } from '../../projections/identities/selectors.js';
import { RustSdk } from './rust.js';
import { ME, MEDEV, RUST, RUSTDEV, verificationPeers, type Peers } from './verification-peers.js';

function sameSas(peers: Peers, flowId: string, sas: RustSdk.Sas): void {
  const flow = peers.ledger.verifications().find((f) => f.id === flowId)!;
  assert.ok(flow.emoji, 'keyledger shows emoji');
  assert.deepEqual(flow.emoji.map((e) => e.emoji), sas.emoji()!.map((e) => e.symbol), 'the same 7 emoji');
  assert.deepEqual(flow.emoji.map((e) => e.description), sas.emoji()!.map((e) => e.description));
  assert.deepEqual(flow.decimals, [...sas.decimals()!], 'the same 3 numbers');
}

async function bothVerified(peers: Peers, flowId: string, sas: RustSdk.Sas): Promise<void> {
  for (let i = 0; i < 4 && !(sas.isDone() && peers.ledger.verifications().find((f) => f.id === flowId)!.phase === 'done'); i++) {
    await peers.ledgerTurn();
    await peers.rustTurn();
  }
  const flow = peers.ledger.verifications().find((f) => f.id === flowId)!;
  assert.equal(flow.phase, 'done', JSON.stringify(flow.outcome));
  assert.deepEqual(flow.macedKeyIds, [`ed25519:${RUSTDEV}`]);
  assert.ok(sas.isDone(), 'Rust finished the SAS');
  const trust = deviceTrust(peers.ledger.state(), RUST, RUSTDEV);
  assert.equal(trust.level, 'verified');
  assert.equal(trust.reason, 'verification.done');
  assert.equal(trust.seq, flow.outcome!.seq);
  const ours = await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV));
  assert.ok(ours!.isVerified(), 'Rust reports our device verified');
}

describe('interop: SAS verification with the Rust SDK, to-device', function () {
  this.timeout(120_000);

  it('keyledger requests, Rust accepts, keyledger starts SAS: same emoji and numbers, both verified', async () => {
    const peers = await verificationPeers();
    try {
      const { id, requests } = await peers.ledger.requestVerification(RUST, RUSTDEV);
      assert.deepEqual(requests.map((r) => r.type === 'to_device' && r.event_type), ['m.key.verification.request']);
      await peers.ledgerTurn();
      await peers.rustTurn();
      const request = peers.machine.getVerificationRequest(new RustSdk.UserId(ME), id)!;
      assert.ok(request, 'Rust received the request');
      await peers.sendRust(request.accept());
      await peers.ledgerTurn();
      assert.equal(peers.ledger.verifications()[0]!.phase, 'ready');
      await peers.ledger.startSas(id);
      await peers.ledgerTurn();
      await peers.rustTurn();
      const sas = peers.machine.getVerification(new RustSdk.UserId(ME), id) as RustSdk.Sas;
      await peers.sendRust(sas.accept());
      await peers.ledgerTurn(); // accept in, our key out
      await peers.rustTurn(); // our key in, theirs out
      await peers.ledgerTurn(); // their key in: the SAS
      sameSas(peers, id, sas);
      await peers.ledger.confirmSas(id);
      for (const r of await sas.confirm()) await peers.sendRust(r);
      await bothVerified(peers, id, sas);
    } finally {
      await peers.close();
    }
  });

  it('Rust requests, keyledger accepts, Rust starts SAS: same emoji and numbers, both verified', async () => {
    const peers = await verificationPeers();
    try {
      const device = await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV));
      const [request, toDevice] = device!.requestVerification([RustSdk.VerificationMethod.SasV1]);
      await peers.sendRust(toDevice);
      await peers.ledgerTurn();
      const flow = peers.ledger.verifications()[0]!;
      assert.equal(flow.id, request.flowId);
      assert.ok(flow.canAccept);
      await peers.ledger.acceptVerification(flow.id);
      await peers.ledgerTurn();
      await peers.rustTurn();
      assert.ok(request.isReady(), 'Rust saw our ready');
      const [sas, start] = (await request.startSas())!;
      await peers.sendRust(start);
      await peers.ledgerTurn(); // start in, accept out
      await peers.rustTurn(); // accept in, Rust's key out
      await peers.ledgerTurn(); // their key in, ours out, the SAS
      await peers.rustTurn(); // our key in
      sameSas(peers, flow.id, sas);
      for (const r of await sas.confirm()) await peers.sendRust(r);
      await peers.ledger.confirmSas(flow.id);
      await bothVerified(peers, flow.id, sas);
    } finally {
      await peers.close();
    }
  });
});
