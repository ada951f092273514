import assert from 'node:assert/strict';
import { canonicalJson, openLedger } from '../../src/index.js';
import { roomEnvelope, tempDir } from '../helpers/tmp.js';

describe('room events that do not decrypt', () => {
  it('leave the projected state as large as it was: a million undecryptable events must not ride along in every snapshot and replay', async () => {
    const dir = tempDir();
    try {
      const ledger = await openLedger({ path: dir.path, userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
      await ledger.ingestMany([roomEnvelope(0)]);
      const megolmAfterOne = canonicalJson((ledger.state() as Record<string, unknown>).megolm).length;
      await ledger.ingestMany(Array.from({ length: 200 }, (_, i) => roomEnvelope(i + 1)));
      assert.equal(canonicalJson((ledger.state() as Record<string, unknown>).megolm).length, megolmAfterOne);
      // …and a repeat of one of them is still answered from the log, appending nothing.
      const head = ledger.headSeq();
      const again = await ledger.decryptRoomEvent(roomEnvelope(7));
      assert.equal(again.repeated, true);
      assert.equal(again.utd?.cause !== undefined, true);
      assert.equal(ledger.headSeq(), head);
      await ledger.close();
    } finally {
      dir.cleanup();
    }
  });
});
