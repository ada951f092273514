/**
 * A decision a reducer takes about one subject, with the entries it rested on.
 *
 * `code` is a stable reason code (`forwarded_key.untrusted_sender`); each is listed in
 * the README's decision table with the spec sentence it enforces.
 */
export interface Decision {
  /** The entry that caused the decision. */
  readonly seq: number;
  /** The slice that took it. */
  readonly slice: string;
  readonly code: string;
  readonly outcome: DecisionOutcome;
  /**
   * What the decision is about, as space-separated words (Matrix IDs and base64 never
   * hold spaces): `device @alice:example.org ABCDEF`, `user @alice:example.org`,
   * `session !room:example.org <sender_key> <session_id>`, `event $id`, `input 12`.
   */
  readonly subject: string;
  /** Earlier entries this decision rests on (the `explain` chain), ascending. */
  readonly because: readonly number[];
  /** Small, secret-free details for humans (never key material beyond public keys). */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** accepted: took effect; rejected: refused; flagged: an anomaly noted, no effect refused. */
export type DecisionOutcome = 'accepted' | 'rejected' | 'flagged';

/** Builds a subject string from its words. */
export function subject(kind: string, ...parts: readonly string[]): string {
  return [kind, ...parts].join(' ');
}
