/**
 * The report's story: each anomaly under the anomaly it followed from, cause first.
 *
 * A decision names the entries it rests on (`because`). When one of them carries an anomaly
 * itself, that anomaly is the cause: three messages that could not be decrypted because the
 * only key for their session was refused are one incident (the refused key, then the three
 * messages), not a count of 3 in one family and a count of 1 in another.
 */

/** What grouping needs of an anomaly. */
export interface Linkable {
  readonly seq: number;
  readonly code: string;
  readonly because: readonly number[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One cause and what followed from it, in log order; every anomaly is in exactly one incident. */
export interface IncidentOf<A> {
  readonly cause: A;
  readonly effects: readonly A[];
}

/**
 * Groups anomalies (in log order) into incidents, ordered by their cause's place in the log.
 * The cause of an anomaly is an earlier anomaly at a seq it rests on, preferring the one whose
 * code the anomaly names in `detail.code` (a UTD's refused key); an effect of an effect is
 * put under the first cause, so a chain reads as one story.
 */
export function incidents<A extends Linkable>(anomalies: readonly A[]): IncidentOf<A>[] {
  const atSeq = new Map<number, A[]>();
  const rootOf = new Map<A, A>();
  const groups = new Map<A, A[]>();
  for (const a of anomalies) {
    const candidates = a.because.filter((s) => s < a.seq).flatMap((s) => atSeq.get(s) ?? []);
    const cause = candidates.find((c) => c.code === a.detail.code) ?? candidates[0];
    const root = cause === undefined ? a : rootOf.get(cause)!;
    rootOf.set(a, root);
    if (root === a) groups.set(a, []);
    else groups.get(root)!.push(a);
    atSeq.set(a.seq, [...(atSeq.get(a.seq) ?? []), a]);
  }
  return [...groups].map(([cause, effects]) => ({ cause, effects }));
}

/** Quotes a shell word when it needs it (event IDs start with `$`; subjects come from the network). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that goes deeper into one anomaly: `why-utd` for a message that could not be
 * decrypted, `explain` (every decision at that seq, back to the raw inputs) for the rest.
 */
export function deeperCommand(source: string, anomaly: { readonly seq: number; readonly code: string; readonly subject: string; readonly outcome: string }): string {
  const from = `--source ${shellWord(source)}`;
  if (anomaly.code === 'megolm.undecryptable' && anomaly.subject.startsWith('event ')) return `keyledger why-utd ${from} ${shellWord(anomaly.subject.slice('event '.length))}`;
  if (anomaly.outcome === 'integrity') return `keyledger --db ${shellWord(source)} verify`; // a chain problem: the verifier's full account
  return `keyledger explain ${from} ${anomaly.seq}`;
}
