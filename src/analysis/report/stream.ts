/**
 * The anomaly report in bounded memory, for logs of any size.
 *
 * {@link anomalyReport} holds every anomaly, with its detail, twice (in log order and in its
 * incident): about 1.5 KB each, so 500k flagged decisions took ~780 MB. Here the first pass
 * keeps a few numbers per anomaly (its seq, its code's index, the anomaly it followed from)
 * and the counts; the second makes each anomaly again from the decisions and writes its text
 * to a temporary file. The JSON, text and HTML reports are read back from that file in the
 * order each needs (log order, each cause then its effects, one family's rows): the disk
 * holds the anomalies once, the memory never does.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Decision } from '../../../projections/decision.js';
import type { VerifyProblem } from '../../log/verify.js';
import { fromDecision, mergeBySeq, reportLog, type Anomaly, type AnomalyReport, type AnomalyReportOptions, type FamilyCount } from './report.js';
import { familyOf } from './families.js';
import { AnomalyIndex, Column, type AnomalyInput } from './index-pass.js';
import { deeperCommand } from './incidents.js';
import { inPieces } from './pieces.js';
import { EntryTimer, type EntryTimes } from './times.js';
import { timeline } from './timeline.js';
import { countsInOrder, inStoryOrder, type IncidentView, type ReportView } from './view.js';
import type { LogSource } from '../sources/source.js';

/**
 * Reads the log for its anomaly report, in bounded memory: a few dozen bytes per anomaly
 * (and 8 per entry, for the times) whatever the anomalies' details, the anomalies themselves
 * in a temporary folder under `os.tmpdir()` until {@link StreamedReport.close}. Reads the log
 * four times (verify, decisions, entries, decisions); once it resolves, the source is no
 * longer needed. Does not close the source.
 *
 * @throws whatever the source throws while reading; an Error if the decisions change
 *   between the two passes (a source that is being written to).
 */
export async function openStreamedReport(source: LogSource, options: AnomalyReportOptions = {}): Promise<StreamedReport> {
  const total = source.headSeq() + 1;
  const progress = options.onProgress;
  // Four passes over the log: progress counts them as one.
  const report = (pass: number, seq: number) => progress?.((pass * total + seq + 1) / 4, total);
  const verify = await source.verify(progress ? { onProgress: (seq) => report(0, seq) } : undefined);
  const problems = [...verify.problems].sort((a, b) => a.seq - b.seq);

  // Pass 1: a few numbers per anomaly.
  const index = new AnomalyIndex();
  let n = 0;
  for await (const item of anomalyInputs(source, problems)) {
    if ((++n & 4095) === 0) report(1, item.seq);
    index.add(item);
  }

  const timer = new EntryTimer();
  let entries = 0;
  for await (const e of source.entries()) {
    entries++;
    if ((entries & 4095) === 0) report(2, e.seq);
    timer.add(e);
  }
  const times = timer.result();
  const { timeOf, first, last } = times;
  const hasTime = Number.isFinite(first);
  const inSpan = (seq: number) => {
    const t = timeOf(seq);
    return t !== undefined && t >= first && t <= last;
  };
  let outside = 0;
  for (let i = 0; i < index.length; i++) if (!hasTime || !inSpan(index.seqs.at(i))) outside++;
  const spanned = function* () {
    for (let i = 0; i < index.length; i++) if (inSpan(index.seqs.at(i))) yield { seq: index.seqs.at(i), family: index.familyOf(i) };
  };
  const head: Head = {
    log: reportLog(source, entries, first, last, verify),
    totals: { anomalies: index.length, byFamily: index.familyCounts(), byCode: index.codeCounts() },
    timeline: hasTime ? timeline(spanned(), timeOf, first, last) : [],
    outsideTimeline: outside,
  };

  // Pass 2: each anomaly made again, its text written to the file.
  const dir = await mkdtemp(join(tmpdir(), 'keyledger-report-'));
  let file: FileHandle | undefined;
  try {
    file = await open(join(dir, 'anomalies.json'), 'w+');
    const at = new Column(Float64Array);
    const size = new Column(Uint32Array);
    let offset = 0;
    const texts = async function* () {
      for await (const text of anomalyTexts(source, problems, index, times, (seq) => report(3, seq))) {
        const bytes = Buffer.byteLength(text);
        at.push(offset);
        size.push(bytes);
        offset += bytes;
        yield text;
      }
    };
    for await (const piece of inPieces(texts())) await file.write(piece);
    return new StreamedReport(dir, file, index, at, size, head);
  } catch (err) {
    await file?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * `JSON.stringify(await anomalyReport(source))` and a newline, in pieces, in bounded memory
 * (see {@link openStreamedReport}): what `keyledger report --json` prints. The temporary
 * folder is removed when the generator ends (or is stopped). Does not close the source.
 *
 * @throws as {@link openStreamedReport}.
 */
export async function* anomalyReportJson(source: LogSource, options: AnomalyReportOptions = {}): AsyncGenerator<string> {
  const report = await openStreamedReport(source, options);
  try {
    yield* report.json();
  } finally {
    await report.close();
  }
}

type Head = Pick<AnomalyReport, 'log' | 'totals' | 'timeline' | 'outsideTimeline'>;

/**
 * The anomaly report of {@link openStreamedReport}: the counts and the timeline in memory,
 * each anomaly read back from the temporary file when it is asked for, through a read buffer
 * of 1 MB per iteration. Iterations may run side by side. Close it to remove the file.
 */
export class StreamedReport implements ReportView {
  readonly log: AnomalyReport['log'];
  readonly totals: AnomalyReport['totals'];
  readonly timeline: AnomalyReport['timeline'];
  readonly outsideTimeline: number;
  readonly familiesInStoryOrder: readonly FamilyCount[];
  /** How many anomalies have been read back so far, for a progress bar over the writing. */
  readBack = 0;
  private readonly effectsByCause: { readonly start: Int32Array; readonly order: Int32Array };

  /** @internal Made by {@link openStreamedReport}. */
  constructor(
    private readonly dir: string,
    private readonly file: FileHandle,
    private readonly index: AnomalyIndex,
    private readonly at: Column,
    private readonly size: Column,
    head: Head,
  ) {
    ({ log: this.log, totals: this.totals, timeline: this.timeline, outsideTimeline: this.outsideTimeline } = head);
    this.effectsByCause = index.effectsByCause();
    this.familiesInStoryOrder = inStoryOrder(this.totals.byFamily, this.storyFamilies());
  }

  anomalies(family?: string): AsyncGenerator<Anomaly> {
    return this.parsed(this.inLogOrder(family));
  }

  async *incidents(): AsyncGenerator<IncidentView> {
    const causes = new BlockReader(this.file);
    const effectsReader = new BlockReader(this.file); // one for all: a buffer per incident would be a megabyte each
    for (const c of this.causes()) {
      const effects = this.effectsOf(c);
      yield {
        cause: JSON.parse(await this.text(c, causes)) as Anomaly,
        effectCount: effects.length,
        effectCodes: countsInOrder(this.codesOf(effects)),
        effects: () => this.parsed(effects, effectsReader),
      };
    }
  }

  /** `JSON.stringify(await anomalyReport(source))` and a newline, in pieces of about 64 KB. */
  json(): AsyncGenerator<string> {
    return inPieces(this.jsonParts());
  }

  /** Removes the temporary folder; the report can no longer be read. */
  async close(): Promise<void> {
    await this.file.close().catch(() => undefined); // closed already: a second close()
    await rm(this.dir, { recursive: true, force: true });
  }

  private async *jsonParts(): AsyncGenerator<string> {
    yield `{"log":${JSON.stringify(this.log)},"totals":${JSON.stringify(this.totals)},"anomalies":[`;
    let comma = '';
    for await (const text of this.texts(this.inLogOrder())) {
      yield comma + text;
      comma = ',';
    }
    yield '],"incidents":[';
    comma = '';
    const reader = new BlockReader(this.file);
    for (const c of this.causes()) {
      yield `${comma}{"cause":${await this.text(c, reader)},"effects":[`;
      comma = ',';
      let inner = '';
      for await (const text of this.texts(this.effectsOf(c), reader)) {
        yield inner + text; // one cause can have a million effects
        inner = ',';
      }
      yield ']}';
    }
    yield `],"timeline":${JSON.stringify(this.timeline)},"outsideTimeline":${this.outsideTimeline}}\n`;
  }

  private async *parsed(indices: Iterable<number>, reader?: BlockReader): AsyncGenerator<Anomaly> {
    for await (const text of this.texts(indices, reader)) yield JSON.parse(text) as Anomaly;
  }

  private async *texts(indices: Iterable<number>, reader = new BlockReader(this.file)): AsyncGenerator<string> {
    for (const i of indices) yield await this.text(i, reader);
  }

  private text(i: number, reader: BlockReader): Promise<string> {
    this.readBack++;
    return reader.text(this.at.at(i), this.size.at(i));
  }

  private *inLogOrder(family?: string): Generator<number> {
    for (let i = 0; i < this.index.length; i++) if (family === undefined || this.index.familyOf(i) === family) yield i;
  }

  private *causes(): Generator<number> {
    for (let i = 0; i < this.index.length; i++) if (this.index.rootOf.at(i) === i) yield i;
  }

  private *codesOf(indices: Iterable<number>): Generator<string> {
    for (const i of indices) yield this.index.codeAt(i);
  }

  private effectsOf(cause: number): Int32Array {
    const { start, order } = this.effectsByCause;
    return order.subarray(start[cause]!, start[cause + 1]!);
  }

  /** Every anomaly's family, each cause's then its effects'. */
  private *storyFamilies(): Generator<string> {
    for (const c of this.causes()) {
      yield this.index.familyOf(c);
      for (const e of this.effectsOf(c)) yield this.index.familyOf(e);
    }
  }
}

/** Reads text back from the file in blocks: the anomalies are mostly asked for in log order. */
class BlockReader {
  private buffer = Buffer.alloc(1 << 20);
  private block = this.buffer.subarray(0, 0);
  private start = 0;
  /** The reads in the order asked: two at once would fill the one buffer under each other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: FileHandle) {}

  text(offset: number, length: number): Promise<string> {
    const text = this.queue.then(() => this.read(offset, length));
    this.queue = text.catch(() => undefined);
    return text;
  }

  private async read(offset: number, length: number): Promise<string> {
    if (offset < this.start || offset + length > this.start + this.block.length) {
      if (length > this.buffer.length) this.buffer = Buffer.alloc(length);
      const { bytesRead } = await this.file.read(this.buffer, 0, this.buffer.length, offset);
      this.block = this.buffer.subarray(0, bytesRead);
      this.start = offset;
    }
    return this.block.toString('utf8', offset - this.start, offset - this.start + length);
  }
}

/**
 * Each anomaly's JSON text, in the report's order, made again from the decisions (second
 * pass): its time, its deeper command and its cause from the first pass's index.
 */
async function* anomalyTexts(source: LogSource, problems: readonly VerifyProblem[], index: AnomalyIndex, times: EntryTimes, onProgress: (seq: number) => void): AsyncGenerator<string> {
  const iso = (seq: number) => {
    const t = times.timeOf(seq);
    return t === undefined ? null : new Date(t).toISOString();
  };
  let i = 0;
  for await (const item of anomalyInputs(source, problems)) {
    if (i >= index.length || index.seqs.at(i) !== item.seq) throw new Error('the decisions changed while the report was being written');
    if ((i & 4095) === 4095) onProgress(item.seq);
    const root = index.rootOf.at(i);
    const found = item.decision ? fromDecision(item.decision, iso(item.seq)) : fromProblem(item.problem, iso(item.seq));
    const anomaly: Anomaly = {
      ...found,
      command: deeperCommand(source.path, found),
      causedBy: root === i ? null : { seq: index.seqs.at(root), code: index.codeAt(root) },
    };
    yield JSON.stringify(anomaly);
    i++;
  }
  if (i !== index.length) throw new Error('the decisions changed while the report was being written');
}

/**
 * The anomalies' inputs in the order of {@link anomalyReport}: by seq; at one seq the
 * rejected decisions, then the flagged ones, then the verify problems.
 */
async function* anomalyInputs(source: LogSource, problems: readonly VerifyProblem[]): AsyncGenerator<AnomalyInput> {
  let p = 0;
  for await (const d of anomalyDecisions(source)) {
    while (p < problems.length && problems[p]!.seq < d.seq) yield { seq: problems[p]!.seq, problem: problems[p++]! };
    yield { seq: d.seq, decision: d };
  }
  while (p < problems.length) yield { seq: problems[p]!.seq, problem: problems[p++]! };
}

/** Rejected and flagged decisions in log order, rejected first at one seq. */
async function* anomalyDecisions(source: LogSource): AsyncGenerator<Decision> {
  if (!source.streamDecisions) {
    yield* mergeBySeq(await source.decisions({ outcome: 'rejected' }), await source.decisions({ outcome: 'flagged' }));
    return;
  }
  let seq = NaN;
  let flagged: Decision[] = []; // at the current seq: they wait for its rejected ones
  for await (const d of source.streamDecisions()) {
    if (d.outcome !== 'rejected' && d.outcome !== 'flagged') continue;
    if (d.seq !== seq) {
      yield* flagged;
      flagged = [];
      seq = d.seq;
    }
    if (d.outcome === 'rejected') yield d;
    else flagged.push(d);
  }
  yield* flagged;
}

function fromProblem(p: VerifyProblem, time: string | null): Omit<Anomaly, 'command' | 'causedBy'> {
  return { seq: p.seq, time, family: familyOf(p.code), code: p.code, outcome: 'integrity', slice: 'verify', subject: `entry ${p.seq}`, because: [], detail: { message: p.message } };
}
