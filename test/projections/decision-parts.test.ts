import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, openLogSource, type Decision, type SubjectParts } from '../../src/index.js';
import { writeDemoLedger } from '../helpers/demo-ledger.js';
import { roomEnvelope, tempDir } from '../helpers/tmp.js';

/** The identifiers of each kind of subject, in the order the display string has them. */
const ORDER: Record<SubjectParts['kind'], readonly (keyof SubjectParts)[]> = {
  user: ['user_id'],
  device: ['user_id', 'device_id'],
  session: ['room_id', 'sender_key', 'session_id'],
  event: ['event_id'],
  input: ['input_seq'],
  backup: ['backup_version'],
  secret: ['secret_name'],
};

/** The subject string a decision's parts stand for. */
const display = (p: SubjectParts) => [p.kind, ...ORDER[p.kind].map((f) => String(p[f]))].join(' ');

describe('decisions: the subject\'s parts as fields', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => (dir = tempDir()));
  after(() => dir.cleanup());

  it('given the demo log (real olm keys), every decision has parts that spell its subject, no field more', async () => {
    const path = join(dir.path, 'demo');
    await writeDemoLedger(path);
    const ledger = await openLedger({ path, readOnly: true });
    let all: Decision[];
    try {
      all = await ledger.decisions();
    } finally {
      await ledger.close();
    }
    assert.ok(all.length > 5);
    for (const d of all) {
      assert.equal(display(d.parts), d.subject, `${d.code} at seq ${d.seq}`);
      assert.deepEqual(Object.keys(d.parts).sort(), ['kind', ...ORDER[d.parts.kind]].sort(), `${d.code} at seq ${d.seq}`);
    }
    // A client reads the refused forwarded key's session and the failed event without splitting strings.
    const refused = all.find((d) => d.code === 'forwarded_key.untrusted_sender')!;
    assert.equal(refused.parts.kind, 'session');
    assert.equal(refused.parts.room_id, '!lunch:example.org');
    assert.equal(typeof refused.parts.sender_key, 'string');
    assert.equal(typeof refused.parts.session_id, 'string');
    const device = all.find((d) => d.parts.kind === 'device')!;
    assert.deepEqual([device.parts.user_id, device.parts.device_id], device.subject.split(' ').slice(1));
    const rejected = all.find((d) => d.code === 'input.rejected')!;
    assert.equal(rejected.parts.input_seq, rejected.seq);

    // The same parts when the log is replayed from an export (the decisions are derived, not stored).
    const exported = join(dir.path, 'demo.ndjson');
    const lines: string[] = [];
    const reader = await openLedger({ path, readOnly: true });
    for await (const e of reader.entries()) lines.push(JSON.stringify(e));
    await reader.close();
    writeFileSync(exported, `${lines.join('\n')}\n`);
    const source = await openLogSource(exported);
    try {
      assert.deepEqual((await source.decisions()).map((d) => d.parts), all.map((d) => d.parts));
    } finally {
      await source.close();
    }
  });

  it('when an event ID holds a space (a server can send one), the part keeps it whole', async () => {
    const ledger = await openLedger({ path: join(dir.path, 'space'), userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
    try {
      // A Megolm event of a session we never got: undecryptable, decided about the event.
      const envelope = roomEnvelope(1);
      const result = await ledger.ingest({ ...envelope, event: { ...envelope.event, event_id: '$two words' } });
      const [d] = result.decisions;
      assert.equal(d!.code, 'megolm.undecryptable');
      assert.equal(d!.subject, 'event $two words');
      assert.deepEqual(d!.parts, { kind: 'event', event_id: '$two words' });
    } finally {
      await ledger.close();
    }
  });

  it('the decision shape is among the engine\'s versions, so stored decisions are rebuilt with it', async () => {
    const ledger = await openLedger({ path: join(dir.path, 'versions'), userId: '@me:example.org', deviceId: 'ME', unencryptedVault: true });
    try {
      assert.equal(ledger.sliceVersions()['@decisions'], 2);
    } finally {
      await ledger.close();
    }
  });
});
