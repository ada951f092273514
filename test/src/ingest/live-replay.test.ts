/**
 * Live equals replay: whatever JSON text a remote device Olm-encrypts to us, the state
 * folded while ingesting it is the state a replay from zero reads back from the log, so
 * `verify` never raises a false tamper alarm a sender could trigger at will.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { openLedger, type Ledger } from '../../../src/index.js';
import { SimDevice } from '../../../src/testkit/index.js';
import { ledgerRecipient, olmPayloadText } from '../../helpers/peers.js';
import { tempDir } from '../../helpers/tmp.js';

/** JSON members a hostile plaintext may add to an honest payload. */
function hostileMember(malloryKeys: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(`"__proto__":{"sender_device_keys":${malloryKeys}}`),
    fc.json({ maxDepth: 2 }).map((j) => `"__proto__":${j}`),
    fc.json({ maxDepth: 2 }).map((j) => `"constructor":${j}`),
    fc.constant(`"sender_device_keys":${malloryKeys}`),
    fc.constantFrom('"type":"m.room_key"', '"sender":"@mallory:example.org"', '"content":{"a":1}', '"keys":{"ed25519":"x"}'), // duplicates
    fc.integer({ min: 1, max: 120 }).map((d) => `"deep":${'['.repeat(d)}${']'.repeat(d)}`),
    fc.integer({ min: 1, max: 120 }).map((d) => `"deeper":${'{"a":'.repeat(d)}0${'}'.repeat(d)}`),
    fc.constantFrom('9007199254740993', '-9007199254740993', '9007199254740991', '1e400', '-0', '1e21', '0.1', '123456789012345678901234567890').map((n) => `"n":${n}`),
    fc.constantFrom('"\\ud800"', '"x\\udc00"', '"\\udbff\\udfff"', '"\\u0000"').map((s) => `"s":${s}`),
    fc.tuple(fc.string({ maxLength: 8 }), fc.json({ maxDepth: 2 })).map(([k, v]) => `${JSON.stringify(k)}:${v}`),
  );
}

describe('ingestion: live equals replay for any Olm plaintext', function () {
  this.timeout(120_000);

  it('the state hash after live ingestion equals the one after replay() from zero, and verify passes', async () => {
    const dir = tempDir();
    const alice = await SimDevice.create('@alice:example.org', 'ALICE');
    const mallory = await SimDevice.create('@mallory:example.org', 'MAL');
    let ledger: Ledger | undefined;
    try {
      ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', storeKey: 'k', now: () => 1_700_000_000_000 });
      const l = ledger;
      const to = await ledgerRecipient(l);
      const malloryKeys = JSON.stringify(mallory.deviceKeys());
      const plaintexts = fc.oneof(
        { weight: 4, arbitrary: fc.tuple(fc.constantFrom('m.dummy', 'm.room_key', 'm.secret.send'), fc.array(hostileMember(malloryKeys), { maxLength: 4 })).map(([type, extra]) => olmPayloadText(alice, to, { type, extra })) },
        { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      );
      await fc.assert(
        fc.asyncProperty(plaintexts, async (text) => {
          const event = alice.encryptToDevice(to, 'm.dummy', {}, { rawPlaintext: text });
          const r = await l.ingest({ kind: 'to_device', event });
          assert.equal(r.seqs.length, 2, 'the input and its fact');
          const { state } = await l.replay();
          assert.equal(l.stateHash(state), l.stateHash(), `live and replay differ for ${text.slice(0, 300)}`);
        }),
        { numRuns: 60 },
      );
      const report = await l.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    } finally {
      await ledger?.close();
      alice.free();
      mallory.free();
      dir.cleanup();
    }
  });
});
