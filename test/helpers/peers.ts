import type { Ledger } from '../../src/index.js';
import type { OlmRecipient } from '../../src/testkit/index.js';

/** Our ledger's device as an Olm recipient, with a freshly published one-time key. */
export async function ledgerRecipient(ledger: Ledger): Promise<OlmRecipient> {
  const upload = await ledger.publishKeys({ count: 1 });
  const [otk] = Object.values(upload.one_time_keys);
  return { userId: ledger.owner.userId, deviceId: ledger.owner.deviceId, curve25519: ledger.owner.curve25519, ed25519: ledger.owner.ed25519, oneTimeKey: otk!.key };
}
