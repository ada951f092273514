/**
 * Verification refused or cancelled against the Rust SDK, each with its reason code and
 * the spec's cancel code on the wire: a MAC over swapped keys, a device ID equal to the
 * master public key, a device key changed mid-flow, a second device answering after the
 * first, a timeout, no common method.
 */
import { strict as assert } from 'node:assert';
import type { Decision } from '../../src/index.js';
import { deviceTrust } from '../../projections/identities/selectors.js';
import { RustSdk, createRustDevice, rustBootstrapCrossSigning, rustDeviceIdentity, rustKeysQueryResponse, rustKeysUpload } from './rust.js';
import { ME, MEDEV, RUST, RUSTDEV, requestToRust, toSas, verificationPeers, type Peers } from './verification-peers.js';

async function verificationDecisions(peers: Peers): Promise<Decision[]> {
  return (await peers.ledger.decisions({})).filter((d) => d.slice === 'verification');
}

/** The flow's end: its decision code and wire cancel code. */
function ended(peers: Peers, id: string) {
  const flow = peers.ledger.verifications().find((f) => f.id === id)!;
  return { phase: flow.phase, code: flow.outcome?.code, cancelCode: flow.outcome?.cancelCode };
}

describe('interop: verification refused or cancelled, with the Rust SDK', function () {
  this.timeout(120_000);

  it('a MAC over swapped keys → verification.key_mismatch, m.key_mismatch, nothing verified', async () => {
    const peers = await verificationPeers();
    try {
      const { id, sas } = await toSas(peers);
      await peers.ledger.confirmSas(id);
      for (const r of await sas.confirm()) {
        const request = r as { body: string; event_type: string };
        if (request.event_type === 'm.key.verification.mac') {
          // The server swaps the MAC of the device key and the MAC of the key list.
          const body = JSON.parse(request.body) as { messages: Record<string, Record<string, { mac: Record<string, string>; keys: string }>> };
          const content = body.messages[ME]![MEDEV]!;
          const keyId = `ed25519:${RUSTDEV}`;
          [content.mac[keyId], content.keys] = [content.keys, content.mac[keyId]!];
          peers.server.handle(RUST, RUSTDEV, { type: 'to_device', body, event_type: request.event_type });
        } else {
          await peers.sendRust(r);
        }
      }
      await peers.ledgerTurn();
      assert.deepEqual(ended(peers, id), { phase: 'cancelled', code: 'verification.key_mismatch', cancelCode: 'm.key_mismatch' });
      assert.notEqual(deviceTrust(peers.ledger.state(), RUST, RUSTDEV).level, 'verified');
      await peers.rustTurn();
      assert.equal(sas.cancelInfo()?.cancelCode(), 'm.key_mismatch', 'Rust got our cancel');
    } finally {
      await peers.close();
    }
  });

  it('a user with a device whose ID is their master public key → verification.key_id_collision, refused', async () => {
    const peers = await verificationPeers();
    const owner = await createRustDevice(RUST, 'RUSTX');
    try {
      await rustKeysUpload(owner);
      const identity = await rustBootstrapCrossSigning(owner);
      const master = Object.values(identity.masterKey!.keys)[0]!;
      const impostor = await createRustDevice(RUST, master);
      await rustKeysUpload(impostor);
      await peers.ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([identity, rustDeviceIdentity(impostor)]) as never });
      const { id, requests } = await peers.ledger.requestVerification(RUST);
      assert.deepEqual(ended(peers, id), { phase: 'cancelled', code: 'verification.key_id_collision', cancelCode: 'm.key_mismatch' });
      assert.ok(requests.every((r) => r.type !== 'to_device' || r.event_type !== 'm.key.verification.request'), 'no request is sent');
      impostor.close();
    } finally {
      owner.close();
      await peers.close();
    }
  });

  it('the other device\'s key changes mid-flow → verification.key_mismatch, m.key_mismatch', async () => {
    const peers = await verificationPeers();
    const twin = await createRustDevice(RUST, RUSTDEV);
    try {
      const { id, sas } = await toSas(peers);
      await rustKeysUpload(twin);
      await peers.ledger.ingest({ kind: 'keys_query', response: rustKeysQueryResponse([rustDeviceIdentity(twin)]) as never });
      assert.deepEqual(ended(peers, id), { phase: 'cancelled', code: 'verification.key_mismatch', cancelCode: 'm.key_mismatch' });
      await peers.ledgerTurn();
      await peers.rustTurn();
      assert.equal(sas.cancelInfo()?.cancelCode(), 'm.key_mismatch');
    } finally {
      twin.close();
      await peers.close();
    }
  });

  it('a second device answering after the first → verification.accepted_elsewhere, m.accepted to it', async () => {
    const peers = await verificationPeers([RUSTDEV, 'RUSTDEV2']);
    try {
      const { id, requests } = await peers.ledger.requestVerification(RUST);
      assert.deepEqual(Object.keys((requests[0] as { body: { messages: Record<string, object> } }).body.messages[RUST]!).sort(), [RUSTDEV, 'RUSTDEV2']);
      await peers.ledgerTurn();
      await peers.rustTurn();
      const [first, second] = peers.machines.map((m) => m.getVerificationRequest(new RustSdk.UserId(ME), id)!);
      await peers.sendRust(first!.accept(), peers.machines[0]);
      await peers.sendRust(second!.accept(), peers.machines[1]);
      await peers.ledgerTurn();
      const flow = peers.ledger.verifications().find((f) => f.id === id)!;
      assert.equal(flow.phase, 'ready', JSON.stringify(flow.outcome));
      assert.equal(flow.otherDeviceId, RUSTDEV);
      const elsewhere = (await verificationDecisions(peers)).filter((d) => d.code === 'verification.accepted_elsewhere');
      // One when the first answered (the others are told), one for the second's late answer.
      assert.deepEqual(elsewhere.map((d) => [d.parts.device_id, d.detail?.['answered']]), [[RUSTDEV, RUSTDEV], ['RUSTDEV2', RUSTDEV]]);
      await peers.rustTurn();
      assert.equal(second!.cancelInfo?.cancelCode(), 'm.accepted', 'the second device was told');
      assert.ok(!first!.isCancelled());
    } finally {
      await peers.close();
    }
  });

  it('no answer within 10 minutes (by the log\'s time) → verification.timeout, m.timeout', async () => {
    const peers = await verificationPeers();
    try {
      const { id, request } = await requestToRust(peers);
      const at = Date.now() + 11 * 60_000;
      await peers.ledger.receiveSync({ ...peers.server.sync(ME, MEDEV), received_at: at });
      assert.deepEqual(ended(peers, id), { phase: 'cancelled', code: 'verification.timeout', cancelCode: 'm.timeout' });
      await peers.ledgerTurn();
      await peers.rustTurn();
      assert.equal(request.cancelInfo?.cancelCode(), 'm.timeout');
    } finally {
      await peers.close();
    }
  });

  it('no common method → verification.unknown_method, m.unknown_method', async () => {
    const peers = await verificationPeers();
    try {
      const { id, request } = await requestToRust(peers);
      const ready = request.acceptWithMethods([RustSdk.VerificationMethod.QrCodeShowV1]);
      await peers.sendRust(ready);
      await peers.ledgerTurn();
      assert.deepEqual(ended(peers, id), { phase: 'cancelled', code: 'verification.unknown_method', cancelCode: 'm.unknown_method' });
      await peers.rustTurn();
      assert.equal(request.cancelInfo?.cancelCode(), 'm.unknown_method');
    } finally {
      await peers.close();
    }
  });
});
