import type { Decision } from '../../projections/decision.js';
import type { LedgerEntry } from '../../events/entry.js';
import { explainDecision, subjectWords, type ExplainedDecision } from './decision-view.js';
import { describeEntry, entryAt, inputSeqOf, type EntryLine } from './entry-line.js';
import { currentAnswer, type CurrentAnswer } from './current.js';
import type { LogSource } from './sources/source.js';

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** How many `because` steps to follow back from the decisions asked about (default 8). */
  depth?: number;
}

/**
 * An entry the decisions rest on, directly or through other decisions: the decisions
 * taken at it that bear on what cited it, and how many others it caused (`explain SEQ`
 * lists them).
 */
export interface Evidence {
  readonly entry: EntryLine;
  /** Steps back from the decisions asked about (1: cited by one of them). */
  readonly depth: number;
  /** Seqs of the decisions that led here (to an input through its fact: the fact's citer). */
  readonly citedBy: readonly number[];
  readonly decisions: readonly ExplainedDecision[];
  readonly otherDecisions: number;
}

/** Why a subject is as it is: the decisions about it and everything they rest on. */
export interface Explanation {
  readonly query: string;
  /** How the query matched: a whole subject, a subject prefix, or the decisions taken at a seq. */
  readonly match: 'subject' | 'prefix' | 'seq' | 'none';
  readonly decisions: readonly ExplainedDecision[];
  /** The entries where the asked-about decisions were taken, by seq. */
  readonly at: readonly EntryLine[];
  /** The chain, ordered by seq; each entry once. */
  readonly evidence: readonly Evidence[];
  /** The raw inputs (envelopes, not facts) the chain ends in, ascending. */
  readonly inputs: readonly number[];
  /** The state now, when the subject names a device, user, session or event. */
  readonly current: CurrentAnswer | null;
  /** True when the depth bound cut the walk short. */
  readonly truncated: boolean;
}

/** Identifier-ish values a decision mentions: its subject's words and its string details. */
function mentions(d: Decision): Set<string> {
  const out = new Set(subjectWords(d.subject));
  for (const v of Object.values(d.detail ?? {})) if (typeof v === 'string' && v.length >= 3) out.add(v);
  return out;
}

/** Public keys and session IDs: unpadded base64 of 32 bytes. One names one thing; a user ID or room ID names many. */
const KEY_LIKE = /^[A-Za-z0-9+/]{40,}={0,2}$/;

/**
 * Whether a decision taken at a cited entry bears on the decision citing it: it is about
 * the cited entry itself (`input N`); or every identifier of one's subject is mentioned by
 * the other (`device @bob BOBTABLET` by a decision naming sender @bob, device BOBTABLET);
 * or both mention the same key or session ID. A shared user or room alone is not enough:
 * a /keys/query decides about every device of a user at once. Only the decision records
 * are read, so slices added later link up unchanged.
 */
function bearsOn(d: Decision, citer: Decision, entrySeq: number, inputSeq: number | null): boolean {
  if (d.subject === citer.subject || d.subject === `input ${entrySeq}` || (inputSeq !== null && d.subject === `input ${inputSeq}`)) return true;
  const cited = mentions(citer);
  const own = mentions(d);
  const covered = (words: string[], by: Set<string>) => words.length > 0 && words.every((w) => by.has(w));
  if (covered(subjectWords(d.subject), cited) || covered(subjectWords(citer.subject), own)) return true;
  return [...own].some((w) => KEY_LIKE.test(w) && cited.has(w));
}

/** Entries that are facts of input `seq`: they follow it in the same batch. */
async function factsOf(source: LogSource, seq: number): Promise<number[]> {
  const out: number[] = [];
  for await (const e of source.entries({ from: seq + 1 })) {
    const input = inputSeqOf(e);
    if (input === null) break; // the next input: the batch of `seq` is over
    if (input === seq) out.push(e.seq);
  }
  return out;
}

/** Which decisions a query asks about, and how it matched. */
async function select(source: LogSource, words: readonly string[]): Promise<{ match: Explanation['match']; decisions: Decision[] }> {
  const seqQuery = words.length === 1 && /^\d+$/.test(words[0]!) ? Number(words[0]) : words.length === 2 && words[0] === 'input' && /^\d+$/.test(words[1]!) ? Number(words[1]) : undefined;
  if (seqQuery !== undefined) {
    // "explain 12" and "explain input 12": what was decided at 12 and at the facts derived from it.
    const seqs = [seqQuery, ...(await factsOf(source, seqQuery))];
    const found = (await Promise.all(seqs.map((s) => source.decisions({ fromSeq: s, toSeq: s })))).flat();
    const about = words.length === 2 ? await source.decisions({ subject: words.join(' ') }) : [];
    const all = [...new Set([...found, ...about])].sort((a, b) => a.seq - b.seq);
    return { match: all.length > 0 ? 'seq' : 'none', decisions: dedupe(all) };
  }
  const subject = words.join(' ');
  const exact = await source.decisions({ subject });
  if (exact.length > 0) return { match: 'subject', decisions: exact };
  const prefix = await source.decisions({ subject: `${subject} ` });
  return { match: prefix.length > 0 ? 'prefix' : 'none', decisions: prefix };
}

function dedupe(ds: Decision[]): Decision[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = JSON.stringify(d);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/**
 * Explains a subject (`device @alice:example.org ALICELAPTOP`, `session !room k s`,
 * `event $id`, `user @bob:example.org`, `input 12`, a prefix of one, or a bare seq): the
 * decisions about it, each with its rule, then every entry they rest on, followed back
 * through the decisions taken at those entries (de-duplicated, `depth` steps at most) to
 * the raw inputs; and the current answer for the subject. Secrets are redacted.
 *
 * @param query the subject as words, as typed (`['device', '@alice:example.org', 'X']`).
 */
export async function explain(source: LogSource, query: readonly string[], options: ExplainOptions = {}): Promise<Explanation> {
  const words = query.flatMap((w) => w.split(/\s+/)).filter((w) => w !== '');
  const maxDepth = options.depth ?? 8;
  const { match, decisions } = await select(source, words);
  const entries = new Map<number, LedgerEntry | undefined>();
  const entry = async (seq: number) => {
    if (!entries.has(seq)) entries.set(seq, await entryAt(source, seq));
    return entries.get(seq);
  };
  const decisionsAt = new Map<number, Decision[]>();
  const atSeq = async (seq: number) => {
    if (!decisionsAt.has(seq)) decisionsAt.set(seq, await source.decisions({ fromSeq: seq, toSeq: seq }));
    return decisionsAt.get(seq)!;
  };

  // Decisions are matched by content: a ledger reads fresh objects on every call.
  const keyOf = (d: Decision) => JSON.stringify(d);
  const asked = new Set(decisions.map(keyOf));
  interface Node { depth: number; citedBy: Set<number>; related: Set<string>; total: number }
  const nodes = new Map<number, Node>();
  const topSeqs = new Set(decisions.map((d) => d.seq));
  let truncated = false;
  // Breadth first, so each entry is reached at its shortest distance from the question.
  const queue: { seq: number; depth: number; citer: Decision }[] = [];
  const enqueueFrom = async (d: Decision, depth: number) => {
    if (depth > maxDepth) {
      if (d.because.length > 0) truncated = true;
      return;
    }
    for (const b of d.because) queue.push({ seq: b, depth, citer: d });
    // A decision taken at a fact rests on the input the fact was derived from.
    const own = await entry(d.seq);
    const input = own === undefined ? null : inputSeqOf(own);
    if (input !== null && !d.because.includes(input)) queue.push({ seq: input, depth, citer: d });
  };
  for (const d of decisions) await enqueueFrom(d, 1);
  while (queue.length > 0) {
    const { seq, depth, citer } = queue.shift()!;
    const e = await entry(seq);
    let node = nodes.get(seq);
    if (node === undefined) nodes.set(seq, (node = { depth, citedBy: new Set(), related: new Set(), total: 0 }));
    node.citedBy.add(citer.seq);
    const here = await atSeq(seq);
    node.total = here.length;
    const input = e === undefined ? null : inputSeqOf(e);
    for (const d of here) {
      const k = keyOf(d);
      if (node.related.has(k) || asked.has(k) || !bearsOn(d, citer, seq, input)) continue;
      node.related.add(k);
      await enqueueFrom(d, node.depth + 1);
    }
    if (input !== null && !nodes.has(input)) queue.push({ seq: input, depth: node.depth, citer });
  }

  const evidence: Evidence[] = [];
  for (const [seq, node] of [...nodes].sort((a, b) => a[0] - b[0])) {
    const e = entries.get(seq);
    if (e === undefined) continue; // a because naming an entry beyond an export's range
    const related = (decisionsAt.get(seq) ?? []).filter((d) => node.related.has(keyOf(d)));
    evidence.push({ entry: describeEntry(e), depth: node.depth, citedBy: [...node.citedBy].sort((a, b) => a - b), decisions: related.map(explainDecision), otherDecisions: node.total - related.length });
  }
  const at: EntryLine[] = [];
  for (const seq of [...topSeqs].sort((a, b) => a - b)) {
    const e = await entry(seq);
    if (e !== undefined) at.push(describeEntry(e));
  }
  const inputs = [...new Set([...at, ...evidence.map((x) => x.entry)].filter((e) => e.inputSeq === null).map((e) => e.seq))].sort((a, b) => a - b);
  return {
    query: words.join(' '),
    match,
    decisions: decisions.map(explainDecision),
    at,
    evidence,
    inputs,
    current: await currentAnswer(source, words),
    truncated,
  };
}
