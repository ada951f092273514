import { strict as assert } from 'node:assert';
import {
  deviceTrust, identityState, knownDevices, knownUsers, openLedger, type LedgerEntry, type LedgerState,
} from '../../../src/index.js';
import { loadOlm } from '../../../src/crypto/olm.js';
import { OlmCryptoPort } from '../../../src/crypto/port.js';
import { Projector, stateHash } from '../../../src/runtime/projector.js';
import { defaultSlices } from '../../../projections/index.js';
import { keysQueryResponse } from '../../../src/testkit/index.js';
import { freeAll, ME, LedgerWorld, user } from '../../helpers/slices.js';

const BOB = '@bob:example.org';
const CAROL = '@carol:example.org';

/** Every trust answer the slice gives, in a stable order. */
function answers(state: LedgerState): string {
  const out: string[] = [];
  for (const u of knownUsers(state)) {
    out.push(`${u} ${identityState(state, u)}`);
    for (const d of knownDevices(state, u)) {
      const t = deviceTrust(state, u, d);
      out.push(`  ${d} ${t.level} ${t.reason} @${t.seq}`);
    }
  }
  return out.join('\n');
}

describe('identities: replay gives the same trust answers at every seq', () => {
  after(freeAll);

  it('live answers == stateAt(seq) (snapshots every 3 entries) == a fold from zero, after reopening too', async () => {
    const s = await LedgerWorld.create({ snapshotEvery: 3 });
    const live: string[] = [answers(s.state)];
    const step = async (p: Promise<unknown>) => { await p; live.push(answers(s.state)); };
    const me = await user(ME, 'LAPTOP');
    const bob = await user(BOB, 'B1', 'B2');
    const carol = await user(CAROL, 'C1');
    await step(s.keysQuery({ user: me, devices: [s.myDeviceKeys(), me.devices.get('LAPTOP')!], includeUserSigningKey: true }, { user: bob, masterKey: me.signUser(bob) }, { user: carol }));
    await step(s.action('verify_identity', { user_id: ME, master_key: me.publicKey('master') }));
    await step(s.action('verify_device', { user_id: CAROL, device_id: 'C1', ed25519: carol.devices.get('C1')!.ed25519 }));
    await step(s.keysQuery({ user: bob, devices: [bob.devices.get('B1')!], masterKey: me.signUser(bob) }));
    bob.rotateMaster();
    await step(s.keysQuery({ user: bob }));
    await step(s.action('approve_identity', { user_id: BOB, master_key: bob.publicKey('master') }));
    await carol.addDevice(carol.publicKey('master'));
    await step(s.keysQuery({ user: carol }));
    await step(s.keysQueryBody({ ...keysQueryResponse({ users: [] }), failures: { 'example.net': {} } }));
    const head = s.ledger.headSeq();
    assert.equal(live.length, head + 1);
    assert.notEqual(live[head], live[1], 'the scenario changes trust');

    const entries: LedgerEntry[] = [];
    for await (const e of s.ledger.entries()) entries.push(e);
    const projector = new Projector(defaultSlices, new OlmCryptoPort(await loadOlm()));
    let folded = projector.initial();
    for (let seq = 0; seq <= head; seq++) {
      folded = projector.fold(folded, [entries[seq]!]);
      const at = await s.ledger.stateAt(seq);
      assert.equal(answers(at), live[seq], `stateAt(${seq})`);
      assert.equal(answers(folded), live[seq], `fold to ${seq}`);
      assert.equal(stateHash(at), stateHash(folded), `state hash at ${seq}`);
    }
    const oneGo = projector.fold(projector.initial(), entries);
    assert.equal(stateHash(oneGo), s.ledger.stateHash());

    await s.ledger.close();
    const reopened = await openLedger({ path: s.path, readOnly: true });
    try {
      for (let seq = 0; seq <= head; seq++) assert.equal(answers(await reopened.stateAt(seq)), live[seq], `reopened stateAt(${seq})`);
    } finally {
      await reopened.close();
      await s.free();
    }
  });
});
