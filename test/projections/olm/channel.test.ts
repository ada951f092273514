/**
 * Olm replays and failures, and to-device events that should have come over Olm:
 * given a to-device input or an Olm fact, then this decision.
 */
import { strict as assert } from 'node:assert';
import { olmCiphertextSeen, olmPayloadVerdict } from '../../../projections/olm/selectors.js';
import type { OlmDecryptedPayload, OlmUndecryptablePayload } from '../../../events/facts.js';
import { ALICE, only, World } from '../../helpers/slices.js';

describe('olm: replays, failures and the Olm channel', () => {
  let w: World;
  beforeEach(async () => { w = await World.create(); });
  afterEach(() => w.free());

  it('refuses the same Olm ciphertext decrypted twice (olm.replayed_message) and remembers every hash', async () => {
    const a1 = (await w.user(ALICE, 'A1')).devices.get('A1')!;
    w.sendOlm(a1, 'm.dummy', {});
    const first = w.entries[w.head]!;
    const hash = (first.payload as OlmDecryptedPayload).ciphertext_hash;
    assert.equal(olmCiphertextSeen(w.state, hash), true);
    // A pre-key message to a fallback key can decrypt twice: the fact says so, the slice refuses it.
    w.append('to_device', w.entries[first.seq - 1]!.payload);
    const d = only(w.append('olm_decrypted', { ...(first.payload as OlmDecryptedPayload), input_seq: w.head }), 'olm.replayed_message');
    assert.deepEqual(d.because, [first.seq, w.head - 1]);
    assert.equal(olmPayloadVerdict(w.state, w.head)?.ok, false);
    // Ingestion that recognises the replay itself says so with an olm_undecryptable fact.
    const undecryptable: OlmUndecryptablePayload = { input_seq: w.head, sender: ALICE, sender_key: a1.curve25519, reason: 'replayed', detail: '', ciphertext_hash: hash };
    assert.deepEqual(only(w.append('olm_undecryptable', undecryptable), 'olm.replayed_message').detail?.['first_seq'], first.seq);
  });

  it('puts an undecryptable Olm message on record with its reason (olm.undecryptable)', () => {
    w.toDevice('m.room.encrypted', ALICE, { algorithm: 'm.olm.v1.curve25519-aes-sha2', sender_key: 'k', ciphertext: {} });
    const p: OlmUndecryptablePayload = { input_seq: w.head, sender: ALICE, sender_key: 'k', reason: 'no_session', detail: 'OLM.NO_SESSION', ciphertext_hash: 'h' };
    const d = only(w.append('olm_undecryptable', p), 'olm.undecryptable');
    assert.equal(d.detail?.['reason'], 'no_session');
    assert.equal(d.outcome, 'rejected');
  });

  it('refuses a Megolm-encrypted to-device event (to_device.not_olm): trusted impersonation', () => {
    const content = { algorithm: 'm.megolm.v1.aes-sha2', session_id: 's', ciphertext: 'c', sender_key: 'k' };
    const d = only(w.toDevice('m.room.encrypted', ALICE, content), 'to_device.not_olm');
    assert.equal(d.detail?.['algorithm'], 'm.megolm.v1.aes-sha2');
  });

  it('refuses a secret sent in plaintext (secret.not_over_olm), and takes no note of an Olm one', async () => {
    only(w.toDevice('m.secret.send', ALICE, { request_id: 'r', secret: 'x' }), 'secret.not_over_olm');
    const a1 = (await w.user(ALICE, 'A1')).devices.get('A1')!;
    const over = w.sendOlm(a1, 'm.secret.send', { request_id: 'r', secret: 'x' });
    assert.deepEqual(over.filter((d) => d.code === 'secret.not_over_olm'), []);
  });
});
