import { strict as assert } from 'node:assert';
import { openLedger, type LedgerEntry } from '../../../src/index.js';
import type { OlmDecryptedPayload, OlmUndecryptablePayload } from '../../../events/facts.js';
import { SimDevice } from '../../../src/testkit/index.js';
import { ledgerRecipient } from '../../helpers/peers.js';
import { tempDir } from '../../helpers/tmp.js';

/** Our device, its ledger created without a store key on purpose (tests that want one pass it). */
const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true };

async function entriesOf(ledger: { entries(r?: { from?: number }): AsyncIterable<LedgerEntry> }, from = 0): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of ledger.entries({ from })) out.push(e);
  return out;
}

describe('ingestion: Olm to-device events', () => {
  let dir: ReturnType<typeof tempDir>;
  let alice: SimDevice;
  beforeEach(async () => {
    dir = tempDir();
    alice = await SimDevice.create('@alice:example.org', 'ALICE');
  });
  afterEach(() => {
    alice.free();
    dir.cleanup();
  });

  it('decrypts a pre-key message into an olm_decrypted fact in the same batch, secrets sealed', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, storeKey: 'store key' });
    const outbound = alice.createOutboundSession('!room:example.org');
    const event = alice.encryptToDevice(await ledgerRecipient(ledger), 'm.room_key', outbound.roomKeyContent());
    const r = await ledger.ingest({ kind: 'to_device', event });
    assert.equal(r.seqs.length, 2);
    const [, fact] = await entriesOf(ledger, r.seq);
    assert.equal(fact!.kind, 'olm_decrypted');
    const p = fact!.payload as OlmDecryptedPayload;
    assert.equal(p.input_seq, r.seq);
    assert.equal(p.sender_key, alice.curve25519);
    assert.equal(p.message_type, 0);
    assert.equal(p.new_session, true);
    assert.equal(p.plaintext!.type, 'm.room_key');
    assert.equal(p.plaintext!.content['session_key'], '[sealed]');
    assert.equal(p.room_key!.session_id, outbound.sessionId);
    assert.equal(p.room_key!.first_known_index, 0);
    assert.match(p.sealed_plaintext!, /^gcm:/);
    // The session key is nowhere in the log.
    const logText = JSON.stringify(await entriesOf(ledger));
    assert.ok(!logText.includes(outbound.roomKeyContent().session_key as string));
    outbound.free();
    await ledger.close();
  });

  it('logs no plaintext at all when the ledger has no store key', async () => {
    const ledger = await openLedger({ path: dir.path, ...me });
    const event = alice.encryptToDevice(await ledgerRecipient(ledger), 'm.dummy', {});
    const r = await ledger.ingest({ kind: 'to_device', event });
    const [, fact] = await entriesOf(ledger, r.seq);
    assert.equal((fact!.payload as OlmDecryptedPayload).sealed_plaintext, null);
    await ledger.close();
  });

  it('keeps the Olm session across a reopen, so the next normal message decrypts', async () => {
    let ledger = await openLedger({ path: dir.path, ...me, storeKey: 'k' });
    const recipient = await ledgerRecipient(ledger);
    await ledger.ingest({ kind: 'to_device', event: alice.encryptToDevice(recipient, 'm.dummy', {}) });
    // Alice has not heard back, so she keeps sending pre-key messages on the same session:
    // after a reopen the stored session must match them, not a new one be made.
    await ledger.close();
    ledger = await openLedger({ path: dir.path, storeKey: 'k' });
    const second = alice.encryptToDevice(recipient, 'm.dummy', { n: 2 });
    const r = await ledger.ingest({ kind: 'to_device', event: second });
    const [, fact] = await entriesOf(ledger, r.seq);
    assert.equal(fact!.kind, 'olm_decrypted');
    assert.equal((fact!.payload as OlmDecryptedPayload).new_session, false, 'the stored session matched');
    await ledger.close();
  });

  it('records what it cannot decrypt, with the reason', async () => {
    const ledger = await openLedger({ path: dir.path, ...me });
    const other = await SimDevice.create('@bob:example.org', 'BOB');
    const notForUs = alice.encryptToDevice(other.claimOneTimeKey(), 'm.dummy', {});
    const r = await ledger.ingest({ kind: 'to_device', event: notForUs });
    const [, fact] = await entriesOf(ledger, r.seq);
    assert.equal(fact!.kind, 'olm_undecryptable');
    assert.equal((fact!.payload as OlmUndecryptablePayload).reason, 'not_for_us');
    // A pre-key message whose one-time key we never published.
    const forged = alice.encryptToDevice({ ...(await ledgerRecipient(ledger)), oneTimeKey: other.curve25519 }, 'm.dummy', {}, { newSession: true });
    const r2 = await ledger.ingest({ kind: 'to_device', event: forged });
    const [, fact2] = await entriesOf(ledger, r2.seq);
    assert.equal((fact2!.payload as OlmUndecryptablePayload).reason, 'bad_message');
    other.free();
    await ledger.close();
  });
});
