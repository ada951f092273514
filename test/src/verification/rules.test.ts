/**
 * Verification rules between two real ledgers (real olm SAS), each with its code: the
 * user says the SAS differ, a stale or future request, a message out of order, a restart
 * that loses the SAS secret, and a replay of the log giving the same state.
 */
import { strict as assert } from 'node:assert';
import { explain, openLedger, openLogSource, type Ledger, type OutgoingRequest } from '../../../src/index.js';
import { tempDir } from '../../helpers/tmp.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';

/** Hands every pending to-device request of `from` to `to` as its next sync; marks them sent. */
async function deliver(from: Ledger, to: Ledger, mutate?: (type: string, content: Record<string, unknown>) => Record<string, unknown> | null): Promise<string[]> {
  const sent: string[] = [];
  for (const r of from.outgoingRequests()) {
    if (r.type !== 'to_device') continue;
    const content = (r as Extract<OutgoingRequest, { type: 'to_device' }>).body.messages[to.owner.userId]?.[to.owner.deviceId] as Record<string, unknown> | undefined;
    const changed = content === undefined ? null : mutate ? mutate(r.event_type, content) : content;
    if (changed !== null) await to.receiveSync({ to_device: { events: [{ type: r.event_type, sender: from.owner.userId, content: changed }] } });
    await from.markRequestAsSent(r.id, r.type, {});
    sent.push(r.event_type);
  }
  return sent;
}

async function pair(dir: string) {
  const alice = await openLedger({ path: `${dir}/alice`, userId: ALICE, deviceId: 'ALICEDEV', unencryptedVault: true });
  const bob = await openLedger({ path: `${dir}/bob`, userId: BOB, deviceId: 'BOBDEV', unencryptedVault: true });
  const listing = { device_keys: { [ALICE]: { ALICEDEV: alice.deviceKeys() }, [BOB]: { BOBDEV: bob.deviceKeys() } }, failures: {} };
  await alice.ingest({ kind: 'keys_query', response: listing as never });
  await bob.ingest({ kind: 'keys_query', response: listing as never });
  return { alice, bob };
}

/** Bob asks Alice, she accepts, he starts SAS, and the keys cross: both show the SAS. */
/** Bob asks Alice's device, she accepts, he starts SAS; his start is not delivered yet. */
async function toStarted(alice: Ledger, bob: Ledger): Promise<string> {
  const { id } = await bob.requestVerification(ALICE, 'ALICEDEV');
  await deliver(bob, alice);
  await alice.acceptVerification(id);
  await deliver(alice, bob);
  await bob.startSas(id);
  return id;
}

async function toSas(alice: Ledger, bob: Ledger): Promise<string> {
  const id = await toStarted(alice, bob);
  for (let i = 0; i < 3; i++) {
    await deliver(bob, alice);
    await deliver(alice, bob);
  }
  return id;
}

const flow = (l: Ledger, id: string) => l.verifications().find((f) => f.id === id)!;

describe('verification rules between two ledgers', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir('keyledger-verification-rules-')));
  afterEach(() => dir.cleanup());

  it('both ledgers show the same SAS, and a replay of the log gives the same state hash', async () => {
    const { alice, bob } = await pair(dir.path);
    const seen: string[] = [];
    const subscription = bob.verifications$.subscribe((flows) => seen.push(flows.map((f) => f.phase).join(',')));
    try {
      const id = await toSas(alice, bob);
      // verifications$ gives the current list on subscribe (none), then a list each time the flow moved.
      assert.deepEqual([...new Set(seen)], ['', 'requested', 'ready', 'started', 'accepted', 'keys_exchanged']);
      assert.deepEqual(flow(alice, id).emoji, flow(bob, id).emoji);
      assert.equal(flow(bob, id).emoji!.length, 7);
      assert.deepEqual(flow(alice, id).decimals, flow(bob, id).decimals);
      await bob.confirmSas(id);
      await alice.confirmSas(id);
      for (let i = 0; i < 3; i++) {
        await deliver(bob, alice);
        await deliver(alice, bob);
      }
      assert.equal(flow(bob, id).phase, 'done');
      assert.equal(flow(alice, id).phase, 'done');
      const replayed = await bob.replay();
      assert.equal(bob.stateHash(replayed.state), bob.stateHash());
      // The transcript is in explain: the pinned key and what Alice MACed, with the done decision.
      await bob.close();
      const source = await openLogSource(`${dir.path}/bob`);
      try {
        const why = await explain(source, ['device', ALICE, 'ALICEDEV']);
        const codes = why.decisions.map((d) => d.code);
        assert.ok(codes.includes('verification.keys_pinned') && codes.includes('verification.done'), codes.join(','));
        const done = why.decisions.find((d) => d.code === 'verification.done')!;
        assert.equal(done.detail?.['maced'], 'ed25519:ALICEDEV');
        assert.equal(done.detail?.['pinned'], `ed25519:ALICEDEV=${alice.owner.ed25519}`);
      } finally {
        await source.close();
      }
    } finally {
      subscription.unsubscribe();
      await alice.close();
      await bob.close();
    }
  });

  it('verification.mismatched_sas: the user says they differ → m.mismatched_sas to the other side, nothing verified', async () => {
    const { alice, bob } = await pair(dir.path);
    try {
      const id = await toSas(alice, bob);
      const result = await bob.confirmSas(id, false);
      assert.deepEqual(result.decisions.map((d) => d.code), ['verification.mismatched_sas']);
      assert.equal(result.flow!.outcome!.cancelCode, 'm.mismatched_sas');
      await deliver(bob, alice);
      assert.equal(flow(alice, id).outcome!.cancelCode, 'm.mismatched_sas');
      assert.equal(flow(alice, id).outcome!.byUs, false);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('verification.mismatched_commitment: an accept whose commitment is not the hash of the key that follows → m.mismatched_commitment, no SAS', async () => {
    const { alice, bob } = await pair(dir.path);
    try {
      const id = await toStarted(alice, bob);
      await deliver(bob, alice);
      // On the way, Alice's accept commits to another key (the commitment of a man in the middle).
      await deliver(alice, bob, (type, content) => (type === 'm.key.verification.accept' ? { ...content, commitment: 'x'.repeat(43) } : content));
      await deliver(bob, alice);
      await deliver(alice, bob);
      const f = flow(bob, id);
      assert.equal(f.outcome?.code, 'verification.mismatched_commitment');
      assert.equal(f.outcome?.cancelCode, 'm.mismatched_commitment');
      assert.equal(f.emoji, null, 'no SAS is shown');
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('verification.unknown_flow: a step for a transaction nobody started is flagged and changes nothing', async () => {
    const { alice, bob } = await pair(dir.path);
    try {
      const result = await bob.receiveSync({ to_device: { events: [{ type: 'm.key.verification.key', sender: ALICE, content: { key: 'AAAA', transaction_id: 'nobody' } }] } });
      assert.deepEqual(result.toDeviceEvents.flatMap((e) => ('decisions' in e ? e.decisions.map((d) => d.code) : [])), ['verification.unknown_flow']);
      assert.deepEqual(bob.verifications(), []);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('verification.unknown_device: a device whose keys we never got has nothing to pin → m.key_mismatch at its start', async () => {
    const { alice, bob } = await pair(dir.path);
    const carol = await openLedger({ path: `${dir.path}/carol`, userId: '@carol:example.org', deviceId: 'CAROLDEV', unencryptedVault: true });
    try {
      await carol.ingest({ kind: 'keys_query', response: { device_keys: { [ALICE]: { ALICEDEV: alice.deviceKeys() } }, failures: {} } as never });
      const { id } = await carol.requestVerification(ALICE, 'ALICEDEV');
      await deliver(carol, alice);
      await alice.acceptVerification(id);
      await deliver(alice, carol);
      await carol.startSas(id);
      await deliver(carol, alice);
      const f = flow(alice, id);
      assert.equal(f.outcome?.code, 'verification.unknown_device');
      assert.equal(f.outcome?.cancelCode, 'm.key_mismatch');
      assert.equal(f.pinned, null);
    } finally {
      await carol.close();
      await alice.close();
      await bob.close();
    }
  });

  it('verification.request_stale: a request 11 minutes old or 6 minutes ahead of its receipt is ignored', async () => {
    const { alice, bob } = await pair(dir.path);
    try {
      const now = 1_800_000_000_000;
      for (const [n, ts] of [[1, now - 11 * 60_000], [2, now + 6 * 60_000]] as const) {
        const result = await alice.receiveSync({
          received_at: now,
          to_device: { events: [{ type: 'm.key.verification.request', sender: BOB, content: { from_device: 'BOBDEV', methods: ['m.sas.v1'], timestamp: ts, transaction_id: `t${n}` } }] },
        });
        assert.deepEqual(result.toDeviceEvents.flatMap((e) => ('decisions' in e ? e.decisions.map((d) => d.code) : [])), ['verification.request_stale']);
      }
      assert.deepEqual(alice.verifications(), []);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('verification.unexpected_message: a key before the accept → m.unexpected_message', async () => {
    const { alice, bob } = await pair(dir.path);
    try {
      const { id } = await bob.requestVerification(ALICE, 'ALICEDEV');
      await deliver(bob, alice);
      await alice.acceptVerification(id);
      await deliver(alice, bob);
      await bob.receiveSync({ to_device: { events: [{ type: 'm.key.verification.key', sender: ALICE, content: { key: 'AAAA', transaction_id: id } }] } });
      assert.equal(flow(bob, id).outcome!.code, 'verification.unexpected_message');
      assert.equal(flow(bob, id).outcome!.cancelCode, 'm.unexpected_message');
      assert.ok(bob.outgoingRequests().some((r) => r.type === 'to_device' && r.event_type === 'm.key.verification.cancel'));
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('a restart loses the SAS secret (it is never stored): the flow is cancelled, not continued with another key', async () => {
    let { alice, bob } = await pair(dir.path);
    try {
      const id = await toStarted(alice, bob);
      await deliver(bob, alice); // start → Alice's accept (her secret made now)
      await alice.close();
      alice = await openLedger({ path: `${dir.path}/alice`, unencryptedVault: true });
      await deliver(alice, bob); // accept → Bob's key
      await deliver(bob, alice); // Bob's key: Alice has no secret any more
      const f = flow(alice, id);
      assert.equal(f.phase, 'cancelled');
      assert.equal(f.outcome!.cancelCode, 'm.user');
      assert.match(f.outcome!.reason, /secret was lost/);
      assert.equal(f.emoji, null);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
