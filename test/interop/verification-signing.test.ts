/**
 * Verifying another user whose device and master key are published, both sides with a
 * cross-signing identity: the flow pins and verifies Rust's master key, our
 * `signature_upload` signs it with our user-signing key (`cross_signing.user_signed` once
 * the server lists it back), and Rust, which signs our master key in turn, reports our
 * identity and device verified.
 */
import { strict as assert } from 'node:assert';
import { deviceTrust, identityDetail } from '../../projections/identities/selectors.js';
import { RustSdk } from './rust.js';
import { ME, MEDEV, RUST, RUSTDEV, toSas, verificationPeers } from './verification-peers.js';

describe('interop: verification with cross-signing identities, and the signatures after it', function () {
  this.timeout(120_000);

  it('keyledger verifies Rust\'s user by emoji: master key pinned and MACed, signed by our user-signing key; Rust verifies ours', async () => {
    const peers = await verificationPeers();
    try {
      await peers.ledger.updateTrackedUsers([ME]); // our own identity must be listed back to us to be trusted
      await peers.ledger.bootstrapCrossSigning();
      await peers.rustBootstrap();
      for (let i = 0; i < 3; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      const rustMaster = identityDetail(peers.ledger.state(), RUST).masterKey;
      assert.ok(rustMaster, 'the ledger knows Rust\'s master key');

      const { id, sas } = await toSas(peers);
      const shown = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.deepEqual(shown.emoji!.map((e) => e.emoji), sas.emoji()!.map((e) => e.symbol));
      assert.deepEqual(shown.pinned!.map((k) => k.keyId).sort(), [`ed25519:${RUSTDEV}`, `ed25519:${rustMaster}`].sort());
      await peers.ledger.confirmSas(id);
      for (const r of await sas.confirm()) await peers.sendRust(r);
      for (let i = 0; i < 5; i++) {
        await peers.ledgerTurn();
        await peers.rustTurn();
      }
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'done', JSON.stringify(flow.outcome));
      assert.deepEqual(flow.macedKeyIds, [`ed25519:${RUSTDEV}`, `ed25519:${rustMaster}`].sort());
      // Our signature went out and came back through /keys/query: Rust's identity is user-signed by us.
      const identity = identityDetail(peers.ledger.state(), RUST);
      assert.equal(identity.level, 'verified');
      assert.ok(['verification.done', 'cross_signing.user_signed'].includes(identity.reason), identity.reason);
      const decisions = await peers.ledger.decisions({});
      assert.ok(decisions.some((d) => d.code === 'verification.done' && d.detail?.['maced'] === flow.macedKeyIds!.join(',')));
      assert.equal(deviceTrust(peers.ledger.state(), RUST, RUSTDEV).level, 'verified');
      const uploads: Record<string, Record<string, unknown>>[] = [];
      for await (const e of peers.ledger.entries({})) {
        const p = e.payload as { type?: string; body?: Record<string, Record<string, unknown>> };
        if (e.kind === 'outgoing_request' && p.type === 'signature_upload') uploads.push(p.body!);
      }
      assert.ok(uploads.some((b) => Object.keys(b[RUST] ?? {}).includes(rustMaster)), 'we signed Rust\'s master key with our user-signing key');
      assert.ok(peers.ledger.outgoingRequests().every((r) => r.type !== 'signature_upload'), 'and the upload was sent');
      // Rust's side: our identity and our device.
      const ours = await peers.machine.getIdentity(new RustSdk.UserId(ME));
      assert.ok(ours !== undefined && ours.isVerified(), 'Rust reports our identity verified');
      const device = await peers.machine.getDevice(new RustSdk.UserId(ME), new RustSdk.DeviceId(MEDEV));
      assert.ok(device!.isVerified(), 'Rust reports our device verified');
    } finally {
      await peers.close();
    }
  });
});
