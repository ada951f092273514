import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import {
  BundleRefusedError,
  checkBundle,
  ENGINE_VERSION,
  makeBundle,
  openLogSource,
  readBundleText,
  replayBundle,
  ReplaySession,
  serializeBundle,
  type IncidentBundle,
  type LogSource,
} from '../../../../src/index.js';
import { PLAINTEXT_SECRET, plaintextRoomKey, writeDemoLedger } from '../../../helpers/demo-ledger.js';
import { tempDir } from '../../../helpers/tmp.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

describe('incident bundles', () => {
  const dir = tempDir('keyledger-bundle-');
  let source: LogSource;
  /** Entries 1..head, a checkpoint every 4 entries: serialized, so each test parses its own copy. */
  let text: string;
  const copy = () => readBundleText(text) as Mutable<IncidentBundle>;
  const refused = (bundle: unknown, reason: RegExp) =>
    assert.rejects(checkBundle(bundle), (err: unknown) => err instanceof BundleRefusedError && reason.test(err.reason) && !err.message.includes('\n'));

  before(async () => {
    await writeDemoLedger(join(dir.path, 'ledger'), [plaintextRoomKey]);
    source = await openLogSource(join(dir.path, 'ledger'));
    const { bundle, warnings } = await makeBundle(source, { from: 1, checkpointEvery: 4 });
    assert.deepEqual(warnings, []);
    text = serializeBundle(bundle);
  });
  after(async () => {
    await source.close();
    dir.cleanup();
  });

  it('holds the versions, base state, redacted entries with their hashes, decisions and checkpoints', async () => {
    const b = copy();
    const head = source.headSeq();
    assert.deepEqual([b.format, b.formatVersion, b.fingerprints.engine], ['keyledger-bundle', 1, ENGINE_VERSION]);
    assert.deepEqual(b.fingerprints.slices, source.sliceVersions());
    assert.match(b.fingerprints.codecs.digest, /^[0-9a-f]{64}$/);
    assert.ok('RoomKeyContent' in b.fingerprints.codecs.parts && 'Envelope' in b.fingerprints.codecs.parts);
    assert.deepEqual([b.range, b.base.seq, b.base.stateHash], [{ from: 1, to: head }, 0, source.stateHash(await source.stateAt(0))]);
    assert.deepEqual(b.checkpoints.map((c) => c.seq), [4, 8, 12, head]);
    assert.equal(b.checkpoints.at(-1)!.stateHash, source.stateHash());
    assert.deepEqual(b.decisions.map((d) => [d.seq, d.code, d.subject]), (await source.decisions({ fromSeq: 1 })).map((d) => [d.seq, d.code, d.subject]));
    // The log itself holds no secret in the clear (the plaintext room key's was sealed at
    // ingestion), and its "[sealed]" placeholders stay: nothing needs redacting, every hash checks.
    assert.deepEqual(b.entries.filter((e) => e.redacted).map((e) => e.seq), []);
    assert.ok(!text.includes(PLAINTEXT_SECRET));
    const original: string[] = [];
    for await (const e of source.entries({ from: 1 })) original.push(`${e.prevHash}>${e.hash}`);
    assert.deepEqual(b.entries.map((e) => `${e.prevHash}>${e.hash}`), original);
  });

  it('opens, checked, as a log source that a replay session steps through from its base', async () => {
    const opened = await checkBundle(copy());
    try {
      assert.equal(opened.stateHash(), source.stateHash());
      const report = await opened.verify();
      assert.equal(report.ok, true);
      assert.ok(!report.warnings.some((w) => /redacted secrets/.test(w)));
      const session = await ReplaySession.open(opened);
      assert.equal(session.startSeq, 0);
      await session.goto(9);
      assert.equal(await session.stateHash(), source.stateHash(await source.stateAt(9)));
      await session.back(100);
      assert.equal(await session.stateHash(), copy().base.stateHash);
      assert.ok((await session.breakOn('forwarded_key.'))!.decisions.some((d) => d.code === 'forwarded_key.untrusted_sender'));
    } finally {
      await opened.close();
    }
    const whole = await makeBundle(source, {}); // from seq 0: the base is the empty state
    await (await checkBundle(whole.bundle)).close();
    assert.deepEqual((await replayBundle(copy())).checkpoints, copy().checkpoints);
  });

  it('refuses a bundle from an engine with other versions or codecs, naming the fingerprint', async () => {
    const slices = copy();
    slices.fingerprints.slices.megolm = 99;
    await refused(slices, /^slice versions differ: megolm 99 in the bundle, \d+ here$/);
    const codecs = copy();
    codecs.fingerprints.codecs.digest = '0'.repeat(64);
    codecs.fingerprints.codecs.parts.RoomKeyContent = 'feedfacefeedface';
    await refused(codecs, /^codec fingerprint differs: RoomKeyContent \(changed\)$/);
    const engine = copy();
    engine.fingerprints.engine = '0.0.1';
    await refused(engine, /^engine version differs: the bundle was made by keyledger 0\.0\.1/);
    await refused({ format: 'something-else' }, /^not a keyledger bundle/);
  });

  it('refuses a bundle whose replay diverges, naming the checkpoint seq, and a broken chain', async () => {
    const edited = copy();
    const query = edited.entries.find((e) => e.kind === 'keys_query')!;
    const deviceKeys = (query.payload as { response: { device_keys: Record<string, unknown> } }).response.device_keys;
    deviceKeys['@eve:example.org'] = deviceKeys['@alice:example.org'];
    delete deviceKeys['@alice:example.org'];
    await refused(edited, new RegExp(`^state hash at checkpoint seq 4 differs: recorded \\w+…, replayed \\w+… \\(entry ${query.seq} no longer matches its own hash\\)$`));

    const decision = copy();
    decision.decisions[0]!.outcome = 'rejected';
    await refused(decision, new RegExp(`^decision at seq ${decision.decisions[0]!.seq} differs: recorded rejected`));

    const link = copy();
    link.entries[5]!.prevHash = '0'.repeat(64);
    await refused(link, new RegExp(`^entry ${link.entries[5]!.seq} does not chain to entry ${link.entries[4]!.seq}$`));
  });
});
