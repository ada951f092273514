import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, openLogSource, redactSecrets, type AnySlice, type LogSource } from '../../../src/index.js';
import { DEMO_DEVICE, DEMO_USER, demoInputs, feedDemo } from '../../../tools/demo/scenario.js';

/** The demo log ("semi-trusted impersonation") as a ledger folder and its redacted NDJSON export, with the seqs tests ask about. */
export interface DemoLog {
  ledgerPath: string;
  exportPath: string;
  keysQuerySeq: number;
  /** The to_device input carrying the unrequested forwarded key, and the fact where it was refused. */
  forwardInputSeq: number;
  forwardFactSeq: number;
  forgedEventId: string;
  replayedEventId: string;
  /** The decrypted original of the replayed message. */
  firstEventId: string;
}

const dirs: string[] = [];
process.on('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Ingests the demo scenario (tools/demo.ts does the same) into a fresh ledger written with `slices`. */
export async function buildDemoLog(slices?: readonly AnySlice[]): Promise<DemoLog> {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-analysis-'));
  dirs.push(dir);
  const ledgerPath = join(dir, 'ledger');
  const ledger = await openLedger({ path: ledgerPath, userId: DEMO_USER, deviceId: DEMO_DEVICE, storeKey: 'test store key', ...(slices ? { slices } : {}) });
  const sample = await demoInputs(await ledger.publishKeys({ withDeviceKeys: true }));
  await feedDemo(ledger, sample.inputs);
  sample.free();
  const lines: string[] = [];
  let keysQuerySeq = -1;
  const inputOf = new Map<number, number>();
  for await (const e of ledger.entries()) {
    const input = (e.payload as { input_seq?: unknown }).input_seq;
    if (typeof input === 'number') inputOf.set(e.seq, input);
    lines.push(JSON.stringify(redactSecrets(e)));
    if (e.kind === 'keys_query' && keysQuerySeq < 0) keysQuerySeq = e.seq;
  }
  const decisions = await ledger.decisions();
  await ledger.close();
  const exportPath = join(dir, 'export.ndjson');
  writeFileSync(exportPath, `${lines.join('\n')}\n`);
  const undecryptable = decisions.find((d) => d.code === 'megolm.undecryptable')!;
  const replayed = decisions.find((d) => d.code === 'megolm.replayed_index')!;
  const forward = decisions.find((d) => d.subject.startsWith('session ') && d.detail?.type === 'm.forwarded_room_key')!;
  return {
    ledgerPath,
    exportPath,
    keysQuerySeq,
    forwardFactSeq: forward.seq,
    forwardInputSeq: inputOf.get(forward.seq)!,
    forgedEventId: undecryptable.subject.split(' ')[1]!,
    replayedEventId: replayed.subject.split(' ')[1]!,
    firstEventId: String(replayed.detail!.first_event_id),
  };
}

let shared: Promise<DemoLog> | undefined;
/** One demo log per test process, built on first use (real olm keys take a moment). */
export function demoLog(): Promise<DemoLog> {
  return (shared ??= buildDemoLog());
}

/**
 * Mocha hooks that open the demo log both ways, as a ledger folder and as its NDJSON
 * export, for the analysis suites that check both give the same answers.
 */
export function withDemoSources(): { log: DemoLog; ledger: LogSource; exported: LogSource } {
  const sources = {} as { log: DemoLog; ledger: LogSource; exported: LogSource };
  before(async () => {
    sources.log = await demoLog();
    sources.ledger = await openLogSource(sources.log.ledgerPath);
    sources.exported = await openLogSource(sources.log.exportPath);
  });
  after(async () => {
    await sources.ledger?.close();
    await sources.exported?.close();
  });
  return sources;
}
