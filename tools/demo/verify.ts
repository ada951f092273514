/**
 * The demo's last step: Alice gets a new tablet, and Bob verifies it by emoji. Alice's
 * tablet is a second keyledger ledger; the two exchange their verification messages the
 * way two clients' sync loops would (each one's `to_device` requests become the other's
 * sync), and Bob's trust list shows ALICETABLET turn `verified`.
 */
import { rmSync } from 'node:fs';
import { deviceTrust, openLedger, type Ledger, type OutgoingRequest } from '../../src/index.js';

const ALICE = '@alice:example.org';
const PHONE = 'ALICETABLET';

/** Hands every pending to-device request of `from` to the ledgers it is for, as their next sync, and marks it sent. */
async function deliver(from: Ledger, to: readonly Ledger[]): Promise<string[]> {
  const sent: string[] = [];
  for (const r of from.outgoingRequests()) {
    if (r.type !== 'to_device') continue;
    for (const ledger of to) {
      const mine = (r as Extract<OutgoingRequest, { type: 'to_device' }>).body.messages[ledger.owner.userId]?.[ledger.owner.deviceId];
      if (mine !== undefined) await ledger.receiveSync({ to_device: { events: [{ type: r.event_type, sender: from.owner.userId, content: mine }] } });
    }
    await from.markRequestAsSent(r.id, r.type, {});
    sent.push(r.event_type);
  }
  return sent;
}

/** The last `/keys/query` response the ledger logged, so a new listing keeps the devices it listed. */
async function lastKeysQuery(ledger: Ledger): Promise<{ device_keys: Record<string, Record<string, unknown>> } & Record<string, unknown>> {
  let last: unknown = { device_keys: {} };
  for await (const e of ledger.entries({})) if (e.kind === 'keys_query') last = (e.payload as { response: unknown }).response;
  return structuredClone(last) as { device_keys: Record<string, Record<string, unknown>> } & Record<string, unknown>;
}

/** Bob (`bob`) verifies Alice's new tablet by emoji; Alice's ledger lives in `dir` (recreated). */
export async function verifyAliceByEmoji(bob: Ledger, dir: string, out: (line?: string) => void): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const alice = await openLedger({ path: dir, userId: ALICE, deviceId: PHONE, storeKey: 'keyledger demo store key (alice)' });
  try {
    out(`\nAlice gets a new tablet (${PHONE}); Bob verifies it by emoji:`);
    // The server lists it beside her laptop; each side learns the other's device keys.
    const listing = await lastKeysQuery(bob);
    (listing.device_keys[ALICE] ??= {})[PHONE] = alice.deviceKeys();
    await bob.ingest({ kind: 'keys_query', response: listing as never });
    await alice.ingest({ kind: 'keys_query', response: { device_keys: { [bob.owner.userId]: { [bob.owner.deviceId]: bob.deviceKeys() } }, failures: {} } as never });
    out(`  before: ${PHONE} ${deviceTrust(bob.state(), ALICE, PHONE).level} (${deviceTrust(bob.state(), ALICE, PHONE).reason})`);

    const { id } = await bob.requestVerification(ALICE, PHONE);
    out(`  Bob asks: ${(await deliver(bob, [alice])).join(', ')}`);
    await alice.acceptVerification(id);
    out(`  Alice accepts: ${(await deliver(alice, [bob])).join(', ')}`);
    await bob.startSas(id);
    for (let i = 0; i < 4; i++) {
      const sent = [...(await deliver(bob, [alice])), ...(await deliver(alice, [bob]))];
      if (sent.length === 0) break;
      out(`  …: ${sent.join(', ')}`);
    }
    const bobSees = bob.verifications().find((f) => f.id === id)!;
    const aliceSees = alice.verifications().find((f) => f.id === id)!;
    out(`  Bob's screen:   ${bobSees.emoji!.map((e) => `${e.emoji} ${e.description}`).join('  ')}   ${bobSees.decimals!.join('-')}`);
    out(`  Alice's screen: ${aliceSees.emoji!.map((e) => `${e.emoji} ${e.description}`).join('  ')}   ${aliceSees.decimals!.join('-')}`);
    out(`  pinned by Bob: ${bobSees.pinned!.map((k) => `${k.keyId}=${k.publicKey.slice(0, 12)}…`).join(', ')}`);
    await bob.confirmSas(id);
    await alice.confirmSas(id);
    out('  both say the emoji match');
    for (let i = 0; i < 4; i++) {
      const sent = [...(await deliver(bob, [alice])), ...(await deliver(alice, [bob]))];
      if (sent.length === 0) break;
      out(`  …: ${sent.join(', ')}`);
    }
    const done = bob.verifications().find((f) => f.id === id)!;
    const trust = deviceTrust(bob.state(), ALICE, PHONE);
    out(`  flow ${done.phase}: Alice MACed ${done.macedKeyIds?.join(', ') ?? '-'}`);
    out(`  after:  ${PHONE} ${trust.level} (${trust.reason}, seq ${trust.seq})`);
  } finally {
    await alice.close();
  }
}
