import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { canonicalJson, openLedger } from '../../../src/index.js';
import { tamperLog } from '../../helpers/tamper.js';
import { plainRoomEnvelope as roomEnvelope, tempDir } from '../../helpers/tmp.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function ledgerWith(n: number, snapshotEvery = 1_000): Promise<{ path: string; cleanup(): void }> {
  const dir = tempDir();
  const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', snapshotEvery, unencryptedVault: true });
  for (let i = 0; i < n; i += 5) await ledger.ingestMany(Array.from({ length: Math.min(5, n - i) }, (_, j) => roomEnvelope(i + j)));
  await ledger.close();
  return dir;
}

async function verifyReport(path: string, expectedSigner?: string) {
  const ledger = await openLedger({ path, readOnly: true });
  try {
    return await ledger.verify(expectedSigner ? { expectedSigner } : {});
  } finally {
    await ledger.close();
  }
}

describe('verify', () => {
  it('passes a sound log, every checkpoint signed by our device', async () => {
    const dir = await ledgerWith(30, 10);
    try {
      const r = await verifyReport(dir.path);
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.equal(r.entries, 31);
      assert.ok(r.checkpoints.valid >= 3);
      assert.equal(r.uncoveredTail, 0);
    } finally {
      dir.cleanup();
    }
  });

  it('names an edited entry', async () => {
    const dir = await ledgerWith(10);
    try {
      await tamperLog(dir.path, async (log) => {
        const e = await log.get(4);
        (e['payload'] as { room_id: string }).room_id = '!elsewhere:example.org';
        await log.put(4, e);
      });
      const r = await verifyReport(dir.path);
      assert.equal(r.ok, false);
      assert.equal(r.firstBadSeq, 4);
      assert.equal(r.problems[0]!.code, 'chain.altered');
    } finally {
      dir.cleanup();
    }
  });

  it('names a deleted entry', async () => {
    const dir = await ledgerWith(10);
    try {
      await tamperLog(dir.path, (log) => log.del(6));
      const r = await verifyReport(dir.path);
      assert.equal(r.firstBadSeq, 6);
      assert.equal(r.problems[0]!.code, 'chain.gap');
    } finally {
      dir.cleanup();
    }
  });

  it('names the first of two swapped entries', async () => {
    const dir = await ledgerWith(10);
    try {
      await tamperLog(dir.path, async (log) => {
        const [a, b] = [await log.get(2), await log.get(3)];
        await log.put(2, b);
        await log.put(3, a);
      });
      const r = await verifyReport(dir.path);
      assert.equal(r.firstBadSeq, 2);
      assert.deepEqual(
        r.problems.filter((p) => p.code === 'chain.misplaced').map((p) => p.seq),
        [2, 3],
      );
    } finally {
      dir.cleanup();
    }
  });

  it('catches an entry rewritten with a recomputed hash, at the entry', async () => {
    const dir = await ledgerWith(10);
    try {
      await tamperLog(dir.path, async (log) => {
        const e = await log.get(5);
        (e['payload'] as { room_id: string }).room_id = '!elsewhere:example.org';
        const { hash: _h, ...body } = e;
        await log.put(5, { ...e, hash: sha(canonicalJson(body)) });
      });
      const r = await verifyReport(dir.path);
      assert.equal(r.firstBadSeq, 5);
      assert.equal(r.problems[0]!.code, 'chain.broken_link');
    } finally {
      dir.cleanup();
    }
  });

  it('catches a whole tail rewritten with a valid chain: the signed checkpoint no longer matches', async () => {
    const dir = await ledgerWith(12, 1_000);
    try {
      // Rewrite entries 7.. with recomputed hashes and links: the chain alone is sound again.
      await tamperLog(dir.path, async (log) => {
        let prev = (await log.get(6))['hash'] as string;
        for (let seq = 7; seq <= 12; seq++) {
          const e = await log.get(seq);
          (e['payload'] as { room_id: string }).room_id = '!forged:example.org';
          e['prevHash'] = prev;
          const { hash: _h, ...body } = e;
          e['hash'] = prev = sha(canonicalJson(body));
          await log.put(seq, e);
        }
      });
      const r = await verifyReport(dir.path);
      assert.equal(r.ok, false);
      assert.ok(r.problems.every((p) => !p.code.startsWith('chain.')), 'the chain itself looks sound');
      assert.equal(r.problems[0]!.code, 'checkpoint.head_mismatch');
      assert.equal(r.problems[0]!.seq, 12);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses checkpoints signed by another key than the one the analyst holds', async () => {
    const dir = await ledgerWith(5);
    const other = await ledgerWith(1);
    try {
      const otherKey = (await openLedger({ path: other.path, readOnly: true }).then(async (l) => {
        const k = l.owner.ed25519;
        await l.close();
        return k;
      }));
      const r = await verifyReport(dir.path, otherKey);
      assert.equal(r.ok, false);
      assert.equal(r.problems[0]!.code, 'genesis.other_device');
    } finally {
      dir.cleanup();
      other.cleanup();
    }
  });

  it('opens a log with an unreadable record read-only, and verify names it', async () => {
    const dir = await ledgerWith(8);
    try {
      await tamperLog(dir.path, (log) => log.putRaw(3, '{"seq":3, garbage'));
      const ledger = await openLedger({ path: dir.path, readOnly: true });
      try {
        const r = await ledger.verify();
        assert.equal(r.firstBadSeq, 3);
        assert.equal(r.problems[0]!.code, 'chain.unreadable');
      } finally {
        await ledger.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
