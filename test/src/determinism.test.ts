import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { openLedger, type LedgerEntry } from '../../src/index.js';
import { loadOlm } from '../../src/crypto/olm.js';
import { OlmCryptoPort } from '../../src/crypto/port.js';
import { Projector, stateHash, type LedgerState } from '../../src/runtime/projector.js';
import { defaultSlices } from '../../projections/index.js';
import { roomEnvelope, tempDir } from '../helpers/tmp.js';

const userId = fc.constantFrom('@alice:example.org', '@bob:example.org', '@carol:example.net');
const deviceId = fc.constantFrom('AAA', 'BBB', 'CCC', 'DDD');
const keysQuery = fc
  .dictionary(userId, fc.dictionary(deviceId, fc.record({ keys: fc.dictionary(fc.constantFrom('ed25519:AAA', 'curve25519:AAA'), fc.base64String({ minLength: 4, maxLength: 12 })) }), { maxKeys: 3 }), { maxKeys: 3 })
  .map((device_keys) => ({ kind: 'keys_query', response: { device_keys, failures: {} } }));
const roomEvent = fc.nat(1000).map((i) => roomEnvelope(i));
const backup = fc.nat(5).map((v) => ({ kind: 'backup_version', response: { algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2', auth_data: { public_key: 'abc' }, count: v, etag: String(v), version: String(v) } }));
const garbage = fc.oneof(fc.string(), fc.constant('{"kind":"nope"}'), fc.constant('{"kind":"to_device","event":{"type":"m.room_key","sender":"@a:b","content":{"session_id":5}}}'));
// The sync loop: tracked users and syncs make requests (random IDs, new one-time keys) as facts.
const tracked = fc.array(userId, { minLength: 1, maxLength: 3 }).map((users) => ({ kind: 'track_users', users }));
const sync = fc
  .record({ changed: fc.array(userId, { maxLength: 2 }), left: fc.array(userId, { maxLength: 1 }), count: fc.nat(60), fallback: fc.boolean() })
  .map(({ changed, left, count, fallback }) => ({
    kind: 'sync',
    device_lists: { changed, left },
    device_one_time_keys_count: { signed_curve25519: count },
    device_unused_fallback_key_types: fallback ? ['signed_curve25519'] : [],
    to_device: { events: [{ type: 'org.example.ping', sender: '@alice:example.org', content: { count } }] },
  }));
const missing = fc.array(userId, { minLength: 1, maxLength: 2 }).map((users) => ({ kind: 'missing_sessions', users }));
const input = fc.oneof(keysQuery, roomEvent, backup, garbage, tracked, sync, missing);
// Our room keys: new sessions (random keys, sealed in the vault) and their rotation, as facts.
const room = fc.constantFrom('!a:example.org', '!b:example.org');
const share = fc
  .record({ room, users: fc.array(userId, { maxLength: 3 }), strategy: fc.constantFrom('all', 'cross_signed', 'verified'), msgs: fc.nat(3) })
  .map(({ room, users, strategy, msgs }) => ({ kind: 'share_room_key', room_id: room, users, strategy, rotation_period_msgs: msgs }));
const discard = room.map((room_id) => ({ kind: 'discard_room_key', room_id }));
// Session IDs are random, so two ledgers never agree on them: these go in the one-ledger property only.
const inputWithRoomKeys = fc.oneof(input, share, discard);

async function projector(): Promise<Projector> {
  return new Projector(defaultSlices, new OlmCryptoPort(await loadOlm()));
}

/** The entries a fresh ledger logs for `inputs`, and its state hash after them. */
async function logged(inputs: readonly unknown[]): Promise<{ entries: LedgerEntry[]; liveHash: string }> {
  const dir = tempDir();
  try {
    const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now: () => 1_700_000_000_000 });
    await ledger.ingestManyUnknown(inputs);
    const liveHash = ledger.stateHash();
    await ledger.close();
    return { entries: await collect(dir.path), liveHash };
  } finally {
    dir.cleanup();
  }
}

async function collect(path: string): Promise<LedgerEntry[]> {
  const ledger = await openLedger({ path, readOnly: true });
  const out: LedgerEntry[] = [];
  for await (const e of ledger.entries()) out.push(e);
  await ledger.close();
  return out;
}

describe('determinism', function () {
  this.timeout(120_000);

  it('one-go fold == entry-by-entry fold == snapshot + tail fold, for random logs (requests and room-key shares included)', async () => {
    const p = await projector();
    await fc.assert(
      fc.asyncProperty(fc.array(inputWithRoomKeys, { minLength: 1, maxLength: 40 }), fc.nat(), async (inputs, cut) => {
        const { entries, liveHash } = await logged(inputs);
        const oneGo = p.fold(p.initial(), entries);
        let stepwise: LedgerState = p.initial();
        for (const e of entries) stepwise = p.fold(stepwise, [e]);
        const k = cut % (entries.length + 1);
        // A snapshot is the state through JSON: folding on from it must not care.
        const snap = JSON.parse(JSON.stringify(p.fold(p.initial(), entries.slice(0, k)))) as LedgerState;
        const tail = p.fold(snap, entries.slice(k));
        assert.equal(stateHash(oneGo), liveHash);
        assert.equal(stateHash(stepwise), liveHash);
        assert.equal(stateHash(tail), liveHash);
      }),
      { numRuns: 25 },
    );
  });

  it('a slice folded on its own copy (the log\'s counters) reads as through a draft, and never changes the state it started from', async () => {
    const p = await projector();
    const drafted = new Projector(
      defaultSlices.map(({ copy: _copy, ...slice }) => slice),
      new OlmCryptoPort(await loadOlm()),
    );
    assert.ok(defaultSlices.some((s) => s.copy !== undefined), 'some slice folds on a copy');
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 2, maxLength: 30 }), fc.nat(), async (inputs, cut) => {
        const { entries } = await logged(inputs);
        const k = 1 + (cut % (entries.length - 1));
        const before = p.fold(p.initial(), entries.slice(0, k));
        const beforeHash = stateHash(before);
        const after = p.fold(before, entries.slice(k));
        assert.equal(stateHash(before), beforeHash, 'the state a fold started from is left as it was');
        assert.equal(stateHash(after), stateHash(drafted.fold(drafted.fold(drafted.initial(), entries.slice(0, k)), entries.slice(k))));
      }),
      { numRuns: 15 },
    );
  });

  it('closing and reopening mid-way changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 2, maxLength: 30 }), fc.nat(), async (inputs, cut) => {
        const k = 1 + (cut % (inputs.length - 1));
        const once = tempDir();
        const twice = tempDir();
        try {
          const now = () => 1_700_000_000_000;
          const a = await openLedger({ path: once.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now });
          await a.ingestManyUnknown(inputs);
          const decisionsA = await a.decisions();
          await a.close();
          let b = await openLedger({ path: twice.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true, now, snapshotEvery: 3 });
          for (const i of inputs.slice(0, k)) await b.ingestUnknown(i).catch(() => undefined);
          await b.close();
          b = await openLedger({ path: twice.path, now, snapshotEvery: 3 });
          for (const i of inputs.slice(k)) await b.ingestUnknown(i).catch(() => undefined);
          const decisionsB = await b.decisions();
          await b.close();
          // Different devices sign the two logs, so compare everything but our own keys (and
          // the requests, whose IDs and one-time keys are random).
          const strip = (s: LedgerState) =>
            JSON.stringify({ ...s, identities: { ...(s['identities'] as object), own: null }, outbound: { ...(s['outbound'] as object), pending: null } })
              .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'request-id');
          const [ea, eb] = [await collect(once.path), await collect(twice.path)];
          const p = await projector();
          assert.equal(strip(p.fold(p.initial(), eb)), strip(p.fold(p.initial(), ea)));
          const reopened = await openLedger({ path: twice.path, readOnly: true });
          assert.equal(reopened.stateHash(), stateHash(p.fold(p.initial(), eb)));
          assert.equal((await reopened.verify()).ok, true);
          await reopened.close();
          assert.deepEqual(decisionsB.map((d) => [d.seq, d.code]), decisionsA.map((d) => [d.seq, d.code]));
        } finally {
          once.cleanup();
          twice.cleanup();
        }
      }),
      { numRuns: 15 },
    );
  });
});
