import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { openLedger, type KeyledgerError, type LedgerEntry } from '../../../src/index.js';
import type { Sub } from '../../../src/log/store.js';
import { SimDevice } from '../../../src/testkit/index.js';
import { ledgerRecipient } from '../../helpers/peers.js';
import { tempDir } from '../../helpers/tmp.js';

const me = { userId: '@me:example.org', deviceId: 'ME' };
const STORE_KEY = 'vault test store key';

/** Rejects with a KeyledgerError of this `code` (checked by code, so a missing class cannot pass). */
async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal((err as KeyledgerError).code, code, String(err));
    return true;
  });
}

/** Runs `fn` on the raw `vault` sublevel of a closed ledger. */
async function withRawVault(path: string, fn: (vault: Sub) => Promise<void>): Promise<void> {
  const db = new Level<string, string>(path, { valueEncoding: 'utf8' });
  await db.open();
  try {
    await fn(db.sublevel<string, string>('vault', { valueEncoding: 'utf8' }) as unknown as Sub);
  } finally {
    await db.close();
  }
}

describe('vault', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('creates a ledger without a store key only when told to (unencryptedVault), and otherwise creates nothing', async () => {
    await rejectsWithCode(openLedger({ path: dir.path, ...me }), 'vault.store_key_required');
    assert.ok(!existsSync(join(dir.path, 'CURRENT')), 'no LevelDB was created');
    await (await openLedger({ path: dir.path, ...me, unencryptedVault: true })).close();
    // Once it exists the choice is made: reopening needs no option.
    await (await openLedger({ path: dir.path })).close();
  });

  it('binds each vault record to its key name: a record copied under another name does not open', async () => {
    let ledger = await openLedger({ path: dir.path, ...me, storeKey: STORE_KEY });
    const alice = await SimDevice.create('@alice:example.org', 'ALICE');
    const carol = await SimDevice.create('@carol:example.org', 'CAROL');
    try {
      // Two inbound Olm sessions: two records of the same kind, each under its own name.
      for (const peer of [alice, carol]) await ledger.ingest({ kind: 'to_device', event: peer.encryptToDevice(await ledgerRecipient(ledger), 'm.dummy', {}) });
    } finally {
      alice.free();
      carol.free();
    }
    await ledger.close();
    await withRawVault(dir.path, async (vault) => {
      const sessions: [string, string][] = [];
      for await (const [key, value] of vault.iterator({ gte: 'olm!', lt: 'olm!\uffff' })) sessions.push([key, value]);
      assert.equal(sessions.length, 2);
      const [[a, sealedA], [b, sealedB]] = sessions as [[string, string], [string, string]];
      await vault.batch([{ type: 'put', key: a, value: sealedB }, { type: 'put', key: b, value: sealedA }]);
    });
    await rejectsWithCode(openLedger({ path: dir.path, storeKey: STORE_KEY }), 'vault.record_tampered');
    // Put back where they belong, they open again.
    await withRawVault(dir.path, async (vault) => {
      const sessions: [string, string][] = [];
      for await (const [key, value] of vault.iterator({ gte: 'olm!', lt: 'olm!\uffff' })) sessions.push([key, value]);
      const [[a, sealedA], [b, sealedB]] = sessions as [[string, string], [string, string]];
      await vault.batch([{ type: 'put', key: a, value: sealedB }, { type: 'put', key: b, value: sealedA }]);
    });
    ledger = await openLedger({ path: dir.path, storeKey: STORE_KEY });
    await ledger.close();
  });

  it('binds a secret sealed in the log to its field: a text moved to another field does not reveal', async () => {
    const ledger = await openLedger({ path: dir.path, ...me, storeKey: STORE_KEY });
    try {
      const content = { session_key: 'MOVED-MARKER', room_id: '!r:example.org', session_id: 'S', algorithm: 'm.megolm.v1.aes-sha2' };
      const clear = await ledger.ingest({ kind: 'to_device', event: { type: 'm.room_key', sender: '@eve:example.org', content } });
      await ledger.ingestUnknown(`{"kind":"to_device","event":{"type":"m.secret.send","content":{"secret":"MOVED-MARKER-2"`).catch(() => undefined);
      const entries: LedgerEntry[] = await ledger.entries();
      const toDevice = entries.find((e) => e.seq === clear.seq)!;
      const rejected = entries.find((e) => e.kind === 'rejected_input')!;
      const sealedContent = (toDevice.payload as { sealed_content: string }).sealed_content;
      const rawSealed = (rejected.payload as { raw_sealed: string }).raw_sealed;
      assert.ok(sealedContent && rawSealed);
      assert.match(JSON.stringify(ledger.revealSecrets(toDevice)), /MOVED-MARKER/);
      const moved = { ...toDevice, payload: { ...(toDevice.payload as object), sealed_content: rawSealed } };
      assert.throws(() => ledger.revealSecrets(moved), (err: unknown) => (err as KeyledgerError).code === 'vault.record_tampered');
    } finally {
      await ledger.close();
    }
  });
});
