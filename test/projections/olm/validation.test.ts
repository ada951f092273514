/**
 * The spec's validation of incoming decrypted events, one check per test: given a real
 * Olm message to us, when its payload breaks one check, then it is discarded with that
 * check's code (and the same message without the fault is accepted).
 */
import { strict as assert } from 'node:assert';
import { olmPayloadVerdict } from '../../../projections/olm/selectors.js';
import { signJson, type SimDevice, type SimUser } from '../../../src/testkit/index.js';
import { ALICE, BOB, only, World } from '../../helpers/slices.js';

const MALLORY = '@mallory:example.org';

describe('olm: validation of incoming decrypted events', () => {
  let w: World;
  let alice: SimUser;
  let a1: SimDevice;

  beforeEach(async () => {
    w = await World.create();
    alice = await w.user(ALICE, 'A1', 'A2');
    a1 = alice.devices.get('A1')!;
  });
  afterEach(() => w.free());

  /** The verdict on the fact just folded. */
  const verdict = () => olmPayloadVerdict(w.state, w.head)!;

  it('accepts a payload from a cross-signed device of a pinned identity (olm.payload_accepted)', () => {
    w.keysQuery({ user: alice });
    const d = only(w.sendOlm(a1, 'm.dummy', {}), 'olm.payload_accepted');
    assert.equal(d.subject, `input ${w.head - 1}`);
    assert.ok(d.because.includes(w.head - 1) && d.because.includes(1), 'rests on the input and the keys_query');
    assert.deepEqual({ ok: verdict().ok, via: verdict().device?.via, device: verdict().device?.deviceId }, { ok: true, via: 'keys_query', device: 'A1' });
  });

  it('keeps a valid payload whose sender key no /keys/query vouches for, with a warning (olm.sender_unverified)', () => {
    const d = only(w.sendOlm(a1, 'm.dummy', {}), 'olm.sender_unverified');
    assert.equal(d.outcome, 'flagged');
    assert.equal(verdict().ok, true);
    assert.equal(verdict().device?.via, 'sender_device_keys');
    only(w.sendOlm(alice.devices.get('A2')!, 'm.dummy', {}, { senderDeviceKeys: false }), 'olm.sender_unverified');
    assert.equal(verdict().device, null);
  });

  it('discards a payload that is not an Olm payload (olm.plaintext_invalid)', () => {
    only(w.sendOlm(a1, 'm.dummy', {}, {}, { plaintext: null, plaintext_error: { path: 'plaintext.keys', message: 'missing' } }), 'olm.plaintext_invalid');
    assert.equal(verdict().ok, false);
  });

  it('discards a plaintext refused at the edge with the bound it broke (olm.payload_too_deep, olm.payload_duplicate_key, olm.payload_integer_out_of_range)', () => {
    w.keysQuery({ user: alice });
    const cases = [
      ['too_deep', 'olm.payload_too_deep'],
      ['duplicate_key', 'olm.payload_duplicate_key'],
      ['integer_out_of_range', 'olm.payload_integer_out_of_range'],
    ] as const;
    for (const [reason, code] of cases) {
      const d = only(w.sendOlm(a1, 'm.dummy', {}, {}, { plaintext: null, plaintext_error: { path: 'plaintext.content', message: 'refused', reason } }), code);
      assert.equal(d.outcome, 'rejected');
      assert.equal(verdict().ok, false);
    }
  });

  it('discards a payload whose sender is not the event sender (olm.sender_mismatch)', () => {
    w.keysQuery({ user: alice });
    const d = only(w.sendOlm(a1, 'm.dummy', {}, { sender: MALLORY }), 'olm.sender_mismatch');
    assert.equal(d.outcome, 'rejected');
    assert.equal(verdict().ok, false);
  });

  it('discards a payload for another user (olm.recipient_mismatch)', () => {
    only(w.sendOlm(a1, 'm.dummy', {}, { plaintext: { recipient: BOB } }), 'olm.recipient_mismatch');
  });

  it('discards a payload for another device of ours (olm.recipient_keys_mismatch)', () => {
    only(w.sendOlm(a1, 'm.dummy', {}, { plaintext: { recipient_keys: { ed25519: a1.ed25519 } } }), 'olm.recipient_keys_mismatch');
  });

  it('discards sender_device_keys of another user, validly self-signed (olm.sender_device_keys_user_mismatch, CVE-2026-45056)', async () => {
    // Mallory's own device, listing itself under Alice's user ID and signing that.
    const mallory = await w.user(MALLORY, 'M1');
    const m1 = mallory.devices.get('M1')!;
    const { signatures: _s, ...bare } = m1.deviceKeys();
    const forged = signJson(m1, { ...bare, user_id: ALICE }, ALICE, 'ed25519:M1');
    only(w.sendOlm(m1, 'm.dummy', {}, { plaintext: { sender_device_keys: forged } }), 'olm.sender_device_keys_user_mismatch');
  });

  it('discards sender_device_keys with another curve25519 key (olm.sender_device_keys_curve_mismatch)', () => {
    only(w.sendOlm(a1, 'm.dummy', {}, { plaintext: { sender_device_keys: alice.devices.get('A2')!.deviceKeys() } }), 'olm.sender_device_keys_curve_mismatch');
  });

  it('discards sender_device_keys with another ed25519 key (olm.sender_device_keys_ed25519_mismatch)', () => {
    const a2 = alice.devices.get('A2')!;
    const { signatures: _s, ...bare } = a1.deviceKeys();
    const other = signJson(a2, { ...bare, keys: { ...bare.keys, 'ed25519:A1': a2.ed25519 } }, ALICE, 'ed25519:A1');
    only(w.sendOlm(a1, 'm.dummy', {}, { plaintext: { sender_device_keys: other } }), 'olm.sender_device_keys_ed25519_mismatch');
  });

  it('discards sender_device_keys whose self-signature does not verify (olm.sender_device_keys_bad_signature)', () => {
    const tampered = { ...a1.deviceKeys(), algorithms: ['m.olm.v1.curve25519-aes-sha2'] };
    only(w.sendOlm(a1, 'm.dummy', {}, { plaintext: { sender_device_keys: tampered } }), 'olm.sender_device_keys_bad_signature');
  });

  it('discards a payload whose Olm key belongs to another user\'s device (olm.sender_not_key_owner)', () => {
    w.keysQuery({ user: alice });
    // Alice's device key, but the event and the payload say they are from Mallory.
    only(w.sendOlm(a1, 'm.dummy', {}, { sender: MALLORY, plaintext: { sender: MALLORY }, senderDeviceKeys: false }), 'olm.sender_not_key_owner');
  });

  it('discards a payload whose keys.ed25519 is not the sending device\'s key (olm.sender_ed25519_mismatch)', () => {
    w.keysQuery({ user: alice });
    const d = only(w.sendOlm(a1, 'm.dummy', {}, { plaintext: { keys: { ed25519: alice.devices.get('A2')!.ed25519 } }, senderDeviceKeys: false }), 'olm.sender_ed25519_mismatch');
    assert.equal(d.detail?.['via'], 'keys_query');
  });
});
