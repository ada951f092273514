/**
 * Fallback keys: a used one is replaced (the sync says so), the replaced one still opens
 * sessions for an hour, then its private half is dropped and it opens nothing, across a
 * restart too. Real olm keys: Alice's device makes new Olm sessions from our published
 * fallback keys, as a sender that claimed them would.
 */
import { strict as assert } from 'node:assert';
import { openLedger, type Ledger } from '../../../src/index.js';
import type { KeysUploadBody } from '../../../src/crypto/account.js';
import { SimDevice, type OlmRecipient } from '../../../src/testkit/index.js';
import { OLD_FALLBACK_KEY_KEPT_MS } from '../../../projections/outbound/selectors.js';
import { tempDir } from '../../helpers/tmp.js';

const me = { userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true };
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

describe('outbound: fallback keys', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let alice: SimDevice;
  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger({ path: dir.path, ...me, now: () => T0 });
    alice = await SimDevice.create('@alice:example.org', 'ALICEPHONE');
  });
  afterEach(async () => {
    alice.free();
    await ledger.close();
    dir.cleanup();
  });

  const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);
  const recipient = (key: string): OlmRecipient => ({ ...ledger.owner, oneTimeKey: key });

  /** A sync at `at` saying our fallback key was used; the keys_upload it calls for is answered. Returns the new key. */
  async function replaceFallback(at: number): Promise<{ key: string; codes: string[] }> {
    const r = await ledger.receiveSync({ received_at: at, device_one_time_keys_count: { signed_curve25519: 50 }, device_unused_fallback_key_types: [] });
    const request = ledger.outgoingRequests().find((q) => q.type === 'keys_upload');
    assert.ok(request, 'a keys_upload request is made');
    const [fallback] = Object.values((request.body as KeysUploadBody).fallback_keys ?? {});
    assert.ok(fallback, 'it carries a new fallback key');
    await ledger.markRequestAsSent(request.id, 'keys_upload', { one_time_key_counts: { signed_curve25519: 50 } });
    return { key: fallback.key, codes: codes(r) };
  }

  /** A to-device event Alice sends over a new Olm session made from `key`, in a sync at `at`: how it was processed. */
  async function sendWith(key: string, at: number, n: number): Promise<string> {
    const event = alice.encryptToDevice(recipient(key), 'org.example.ping', { n }, { newSession: true });
    const r = await ledger.receiveSync({ received_at: at, to_device: { events: [event] }, device_unused_fallback_key_types: ['signed_curve25519'] });
    return r.toDeviceEvents[0]!.status;
  }

  it('fallback_key.forget_old: an hour after it was replaced, the old fallback key opens no session', async () => {
    const first = await replaceFallback(T0);
    assert.ok(first.codes.includes('fallback_key.replace'));
    const second = await replaceFallback(T0 + MINUTE);
    assert.notEqual(second.key, first.key);

    // Within the hour the replaced key still opens sessions (messages may still be on their way).
    assert.equal(await sendWith(first.key, T0 + 30 * MINUTE, 1), 'decrypted');

    // The first sync an hour after the replacement drops it, and says so.
    const before = await ledger.receiveSync({ received_at: T0 + MINUTE + OLD_FALLBACK_KEY_KEPT_MS - 1, device_unused_fallback_key_types: ['signed_curve25519'] });
    assert.ok(!codes(before).includes('fallback_key.forget_old'), 'not a millisecond early');
    const later = await ledger.receiveSync({ received_at: T0 + MINUTE + OLD_FALLBACK_KEY_KEPT_MS, device_unused_fallback_key_types: ['signed_curve25519'] });
    assert.deepEqual(codes(later).filter((c) => c.startsWith('fallback_key.')), ['fallback_key.forget_old']);

    assert.equal(await sendWith(first.key, T0 + 2 * OLD_FALLBACK_KEY_KEPT_MS, 2), 'undecryptable', 'the old key no longer opens a session');
    assert.equal(await sendWith(second.key, T0 + 2 * OLD_FALLBACK_KEY_KEPT_MS, 3), 'decrypted', 'the current one does');

    // Once only; and the account read back from the vault has forgotten it too.
    const again = await ledger.receiveSync({ received_at: T0 + 3 * OLD_FALLBACK_KEY_KEPT_MS, device_unused_fallback_key_types: ['signed_curve25519'] });
    assert.ok(!codes(again).includes('fallback_key.forget_old'));
    await ledger.close();
    ledger = await openLedger({ path: dir.path, ...me, now: () => T0 });
    assert.equal(await sendWith(first.key, T0 + 4 * OLD_FALLBACK_KEY_KEPT_MS, 4), 'undecryptable');
    const { state } = await ledger.replay();
    assert.equal(ledger.stateHash(state), ledger.stateHash(), 'replay gives the same state');
  });

  it('the first fallback key replaces none: nothing is forgotten an hour later', async () => {
    await replaceFallback(T0);
    const later = await ledger.receiveSync({ received_at: T0 + 2 * OLD_FALLBACK_KEY_KEPT_MS, device_unused_fallback_key_types: ['signed_curve25519'] });
    assert.ok(!codes(later).includes('fallback_key.forget_old'));
  });
});
