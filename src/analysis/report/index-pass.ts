/**
 * What the streamed report keeps of each anomaly between its two passes: numbers in typed
 * arrays (a few dozen bytes an anomaly, where the objects took over a kilobyte), and one
 * record per code.
 */
import type { Decision } from '../../../projections/decision.js';
import type { VerifyProblem } from '../../log/verify.js';
import { codeCount, ranked, type AnomalyOutcome, type CodeCount, type FamilyCount } from './report.js';
import { familyOf, familyTitle } from './families.js';

/** A decision or a verify problem that is an anomaly, in the report's order. */
export type AnomalyInput = { readonly seq: number; readonly decision: Decision; readonly problem?: undefined } | { readonly seq: number; readonly decision?: undefined; readonly problem: VerifyProblem };

/** What the streamed report keeps of one code: its count, and the first anomaly's kind. */
interface CodeSeen {
  readonly code: string;
  readonly family: string;
  readonly outcome: AnomalyOutcome;
  readonly detail: { readonly message?: string };
  count: number;
}

/**
 * The anomalies as numbers, in the report's order: each one's seq, code (an index into
 * `codes`) and the first anomaly of its incident (itself for a cause), found as
 * {@link incidents} finds it.
 */
export class AnomalyIndex {
  readonly seqs = new Column(Float64Array);
  readonly codeOf = new Column(Int32Array);
  readonly rootOf = new Column(Int32Array);
  readonly codes: CodeSeen[] = [];
  private readonly codeIndex = new Map<string, number>();

  get length(): number {
    return this.seqs.length;
  }

  /** Adds the next anomaly (they must come in the report's order). */
  add(item: AnomalyInput): void {
    const i = this.length;
    const code = item.decision ? item.decision.code : item.problem.code;
    let c = this.codeIndex.get(code);
    if (c === undefined) {
      c = this.codes.length;
      this.codeIndex.set(code, c);
      const outcome: AnomalyOutcome = item.decision ? (item.decision.outcome as AnomalyOutcome) : 'integrity';
      this.codes.push({ code, family: familyOf(code), outcome, detail: item.decision ? {} : { message: item.problem.message }, count: 0 });
    }
    this.codes[c]!.count++;
    const cause = item.decision ? this.causeOf(item.seq, item.decision) : undefined;
    this.seqs.push(item.seq);
    this.codeOf.push(c);
    this.rootOf.push(cause === undefined ? i : this.rootOf.at(cause));
  }

  /** The code of the anomaly at `i`. */
  codeAt(i: number): string {
    return this.codes[this.codeOf.at(i)]!.code;
  }

  /** The family of the anomaly at `i`. */
  familyOf(i: number): string {
    return this.codes[this.codeOf.at(i)]!.family;
  }

  familyCounts(): FamilyCount[] {
    const counts = new Map<string, number>();
    for (const c of this.codes) counts.set(c.family, (counts.get(c.family) ?? 0) + c.count);
    return ranked([...counts].map(([family, count]) => ({ family, title: familyTitle(family), count })), (f) => f.family);
  }

  codeCounts(): CodeCount[] {
    return ranked(
      this.codes.map((c) => codeCount(c, c.count)),
      (r) => r.code,
    );
  }

  /** The effects of each cause `c`, in log order: `order[start[c]]` to `order[start[c + 1] - 1]`. */
  effectsByCause(): { start: Int32Array; order: Int32Array } {
    const n = this.length;
    const start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) if (this.rootOf.at(i) !== i) start[this.rootOf.at(i) + 1]!++;
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const order = new Int32Array(start[n]!);
    const next = start.slice(0, n);
    for (let i = 0; i < n; i++) if (this.rootOf.at(i) !== i) order[next[this.rootOf.at(i)]!++] = i;
    return { start, order };
  }

  /** As {@link incidents}: the anomaly at a seq it rests on whose code its detail names, else the first. */
  private causeOf(seq: number, d: Decision): number | undefined {
    const named = (d.detail as Readonly<Record<string, unknown>> | undefined)?.code;
    let first: number | undefined;
    for (const s of d.because) {
      if (!(s < seq)) continue;
      for (let j = this.firstAt(s); j < this.length && this.seqs.at(j) === s; j++) {
        if (this.codeAt(j) === named) return j;
        first ??= j;
      }
    }
    return first;
  }

  /** The first anomaly at `seq` or later (binary search: seqs only grow). */
  private firstAt(seq: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs.at(mid) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

type Numbers = Float64Array | Int32Array | Uint32Array;

/** A typed array that grows: a number per anomaly, where an array of objects took a kilobyte. */
export class Column {
  length = 0;
  private data: Numbers;

  constructor(private readonly make: new (size: number) => Numbers) {
    this.data = new make(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new this.make(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }
}
