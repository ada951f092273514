import { strict as assert } from 'node:assert';
import { defaultSlices, openLedger, openLogSource, rejudge, type AnySlice, type Decision } from '../../../src/index.js';
import { buildDemoLog, demoLog } from './demo-log.js';

/**
 * The megolm slice as an older engine might have shipped it: refused forwards were logged
 * as accepted (the pre-2023 behaviour the paper exploited). `version` says whether the
 * change was announced by a version bump.
 */
function laxMegolm(version: number): readonly AnySlice[] {
  return defaultSlices.map((slice) =>
    slice.name !== 'megolm'
      ? slice
      : {
          ...slice,
          version,
          reduce: (draft, entry, ctx) =>
            slice.reduce(draft, entry, {
              ...ctx,
              decide: (d: Omit<Decision, 'seq' | 'slice'>) =>
                ctx.decide(d.code === 'forwarded_key.untrusted_sender' ? { ...d, code: 'forwarded_key.accepted', outcome: 'accepted' } : d),
            }),
        },
  );
}

describe('rejudge', () => {
  it('finds the forward today\'s rules refuse where the rules of the time accepted it', async () => {
    const megolm = defaultSlices.find((s) => s.name === 'megolm')!;
    const log = await buildDemoLog(laxMegolm(megolm.version - 1));
    const source = await openLogSource(log.ledgerPath);
    try {
      const r = (await rejudge(source))!;
      assert.equal(r.changes.length, 1);
      const [c] = r.changes;
      assert.equal(c!.change, 'changed');
      assert.equal(c!.seq, log.forwardFactSeq);
      assert.deepEqual([c!.before?.code, c!.after?.code], ['forwarded_key.accepted', 'forwarded_key.untrusted_sender']);
      assert.deepEqual(c!.fields.slice(0, 2), ['code', 'outcome']);
    } finally {
      await source.close();
    }
  });

  it('replays, so a rule changed without a version bump is caught too; a Ledger opened with other slices works as a source', async () => {
    const log = await buildDemoLog(laxMegolm(defaultSlices.find((s) => s.name === 'megolm')!.version));
    const source = await openLogSource(log.ledgerPath);
    try {
      // The stored view still holds the old verdict (same versions: nothing was rebuilt) ...
      assert.ok((await source.decisions()).some((d) => d.code === 'forwarded_key.accepted'));
      // ... but a replay with today's reducers does not.
      assert.equal((await rejudge(source))!.changes.length, 1);
    } finally {
      await source.close();
    }
    const old = await openLedger({ path: log.ledgerPath, readOnly: true, slices: laxMegolm(0) });
    try {
      assert.deepEqual((await rejudge(old))!.changes, []);
    } finally {
      await old.close();
    }
  });

  it('finds nothing on a log written by today\'s rules, and has nothing to compare with on an export', async () => {
    const log = await demoLog();
    const [ledger, exported] = [await openLogSource(log.ledgerPath), await openLogSource(log.exportPath)];
    try {
      const r = (await rejudge(ledger))!;
      assert.deepEqual(r.changes, []);
      assert.equal(r.recorded, r.current);
      assert.equal(await rejudge(exported), null);
    } finally {
      await ledger.close();
      await exported.close();
    }
  });
});
