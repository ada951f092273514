import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { InputDecodeError, openLedger } from '../../../src/index.js';
import { tempDir } from '../../helpers/tmp.js';

/** Envelope-shaped inputs with random holes: closer to real damage than random JSON alone. */
const nearlyEnvelopes = fc.record(
  {
    kind: fc.oneof(fc.constantFrom('to_device', 'room_event', 'keys_query', 'backup_version', 'user_action'), fc.string()),
    room_id: fc.oneof(fc.string(), fc.integer()),
    event: fc.oneof(fc.jsonValue(), fc.record({ type: fc.constantFrom('m.room.encrypted', 'm.room_key', 'm.room.message'), sender: fc.string(), content: fc.jsonValue() })),
    response: fc.jsonValue(),
    action: fc.string(),
    received_at: fc.oneof(fc.integer(), fc.double(), fc.string()),
  },
  { requiredKeys: ['kind'] },
);

describe('bad input', function () {
  this.timeout(120_000);

  it('never crashes the engine: every input is logged, accepted or rejected with a typed error, and the chain holds', async () => {
    const dir = tempDir();
    const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', now: () => 1_700_000_000_000, unencryptedVault: true });
    try {
      let logged = ledger.headSeq();
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string(), fc.jsonValue(), nearlyEnvelopes, fc.anything()), async (input) => {
          const before = ledger.headSeq();
          try {
            const r = await ledger.ingestUnknown(input);
            assert.equal(r.seq, before + 1);
          } catch (err) {
            assert.ok(err instanceof InputDecodeError, `threw ${String(err)}`);
            assert.equal(err.seq, before + 1, 'the bad input was logged as the next entry');
          }
          assert.ok(ledger.headSeq() > before, 'nothing is dropped');
          logged = ledger.headSeq();
        }),
        { numRuns: 300 },
      );
      const report = await ledger.verify();
      assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
      assert.equal(report.headSeq, logged);
    } finally {
      await ledger.close();
      dir.cleanup();
    }
  });
});
