import type { Ledger } from '../../src/index.js';
import type { OlmRecipient, SimDevice } from '../../src/testkit/index.js';

/** Our ledger's device as an Olm recipient, with a freshly published one-time key. */
export async function ledgerRecipient(ledger: Ledger): Promise<OlmRecipient> {
  const upload = await ledger.publishKeys({ count: 1 });
  const [otk] = Object.values(upload.one_time_keys);
  return { userId: ledger.owner.userId, deviceId: ledger.owner.deviceId, curve25519: ledger.owner.curve25519, ed25519: ledger.owner.ed25519, oneTimeKey: otk!.key };
}

/**
 * An honest Olm payload from `sender` to `to` as raw JSON text (for `rawPlaintext`), its
 * members written out so tests can splice in what a parser would not make: `extra`
 * members (a duplicate key, an own `__proto__`), a `content` of any text.
 */
export function olmPayloadText(sender: SimDevice, to: OlmRecipient, options: { type?: string; content?: string; extra?: readonly string[] } = {}): string {
  const members = [
    `"type":${JSON.stringify(options.type ?? 'm.dummy')}`,
    `"content":${options.content ?? '{}'}`,
    `"sender":${JSON.stringify(sender.userId)}`,
    `"recipient":${JSON.stringify(to.userId)}`,
    `"recipient_keys":{"ed25519":${JSON.stringify(to.ed25519)}}`,
    `"keys":{"ed25519":${JSON.stringify(sender.ed25519)}}`,
    ...(options.extra ?? []),
  ];
  return `{${members.join(',')}}`;
}
