/**
 * The anomaly report as JSON text, in bounded memory.
 *
 * {@link anomalyReport} holds every anomaly, with its detail, twice (in log order and in its
 * incident): about 1.5 KB each, so 500k flagged decisions took ~780 MB. Here the first pass
 * keeps a few numbers per anomaly (its seq, its code's index, the anomaly it followed from)
 * and the counts; the second makes each anomaly again from the decisions, as it is written.
 * The incidents list every anomaly a second time in another order (each cause, then its
 * effects), so the second pass also copies each one's text to a temporary file, read back
 * in that order: the disk holds the anomalies once, the memory never does.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Decision } from '../../../projections/decision.js';
import type { VerifyProblem } from '../../log/verify.js';
import { fromDecision, mergeBySeq, reportLog, type Anomaly, type AnomalyReport, type AnomalyReportOptions } from './report.js';
import { familyOf } from './families.js';
import { AnomalyIndex, Column, type AnomalyInput } from './index-pass.js';
import { deeperCommand } from './incidents.js';
import { EntryTimer } from './times.js';
import { timeline } from './timeline.js';
import type { LogSource } from '../sources/source.js';

/** Output is handed on in pieces of about this many characters. */
const PIECE = 1 << 16;

/**
 * `JSON.stringify(await anomalyReport(source))` and a newline, in pieces, with memory
 * bounded by a few dozen bytes per anomaly (and 8 per entry, for the times) whatever the
 * anomalies' details: what `keyledger report --json` prints. Reads the log four times
 * (verify, decisions, entries, decisions) and writes the anomalies once to a temporary
 * folder under `os.tmpdir()`, removed when the generator ends (or is stopped). Does not close
 * the source.
 *
 * @throws whatever the source throws while reading; an Error if the decisions change
 *   between the two passes (a source that is being written to).
 */
export async function* anomalyReportJson(source: LogSource, options: AnomalyReportOptions = {}): AsyncGenerator<string> {
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
  const { timeOf, first, last } = timer.result();
  const hasTime = Number.isFinite(first);
  const inSpan = (seq: number) => {
    const t = timeOf(seq);
    return t !== undefined && t >= first && t <= last;
  };
  let outside = 0;
  for (let i = 0; i < index.length; i++) if (!hasTime || !inSpan(index.seqs.at(i))) outside++;
  const spanned = function* () {
    for (let i = 0; i < index.length; i++) if (inSpan(index.seqs.at(i))) yield { seq: index.seqs.at(i), family: index.codes[index.codeOf.at(i)]!.family };
  };
  const log = reportLog(source, entries, first, last, verify);
  const totals: AnomalyReport['totals'] = { anomalies: index.length, byFamily: index.familyCounts(), byCode: index.codeCounts() };
  const tail = `],"timeline":${JSON.stringify(hasTime ? timeline(spanned(), timeOf, first, last) : [])},"outsideTimeline":${outside}}\n`;
  yield `{"log":${JSON.stringify(log)},"totals":${JSON.stringify(totals)},"anomalies":[`;

  // Pass 2: each anomaly made again and written, its text kept on disk for the incidents.
  const dir = await mkdtemp(join(tmpdir(), 'keyledger-report-'));
  try {
    const file = await open(join(dir, 'anomalies.json'), 'w+');
    try {
      const at = new Column(Float64Array);
      const size = new Column(Uint32Array);
      let piece = '';
      let spill = '';
      let offset = 0;
      let i = 0;
      const iso = (seq: number) => {
        const t = timeOf(seq);
        return t === undefined ? null : new Date(t).toISOString();
      };
      for await (const item of anomalyInputs(source, problems)) {
        if (i >= index.length || index.seqs.at(i) !== item.seq) throw new Error('the decisions changed while the report was being written');
        if ((i & 4095) === 4095) report(3, item.seq);
        const root = index.rootOf.at(i);
        const found = item.decision ? fromDecision(item.decision, iso(item.seq)) : fromProblem(item.problem, iso(item.seq));
        const anomaly: Anomaly = {
          ...found,
          command: deeperCommand(source.path, found),
          causedBy: root === i ? null : { seq: index.seqs.at(root), code: index.codes[index.codeOf.at(root)]!.code },
        };
        const text = JSON.stringify(anomaly);
        const bytes = Buffer.byteLength(text);
        at.push(offset);
        size.push(bytes);
        offset += bytes;
        piece += (i === 0 ? '' : ',') + text;
        spill += text;
        if (piece.length >= PIECE) {
          yield piece;
          await file.write(spill);
          piece = '';
          spill = '';
        }
        i++;
      }
      if (i !== index.length) throw new Error('the decisions changed while the report was being written');
      await file.write(spill);
      yield `${piece}],"incidents":[`;

      // Each cause, then its effects in log order: read back from the file in that order.
      const { start, order } = index.effectsByCause();
      const reader = new BlockReader(file);
      let out = '';
      let firstIncident = true;
      for (let c = 0; c < index.length; c++) {
        if (index.rootOf.at(c) !== c) continue;
        out += `${firstIncident ? '' : ','}{"cause":${await reader.text(at.at(c), size.at(c))},"effects":[`;
        firstIncident = false;
        for (let k = start[c]!; k < start[c + 1]!; k++) {
          const e = order[k]!;
          out += (k === start[c] ? '' : ',') + (await reader.text(at.at(e), size.at(e)));
          if (out.length >= PIECE) {
            yield out; // one cause can have a million effects
            out = '';
          }
        }
        out += ']}';
        if (out.length >= PIECE) {
          yield out;
          out = '';
        }
      }
      yield out + tail;
    } finally {
      await file.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads text back from the file in blocks: the incidents mostly follow the log order. */
class BlockReader {
  private buffer = Buffer.alloc(1 << 20);
  private block = this.buffer.subarray(0, 0);
  private start = 0;

  constructor(private readonly file: FileHandle) {}

  async text(offset: number, length: number): Promise<string> {
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
