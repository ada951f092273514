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
  /**
   * The identifiers of `subject` as fields, so a caller never splits the string (and an
   * identifier that holds a space, which a server could send, stays whole): a `device`
   * subject has `user_id` and `device_id`, a `session` one `room_id`, `sender_key` and
   * `session_id`, and so on (see {@link SubjectParts}).
   */
  readonly parts: SubjectParts;
  /** Earlier entries this decision rests on (the `explain` chain), ascending. */
  readonly because: readonly number[];
  /** Small, secret-free details for humans (never key material beyond public keys). */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * The shape of a decision record, in the engine's versions beside the slices': a change
 * rebuilds the stored decisions from the log, as a slice version change does.
 * Shape 2: `parts`, the subject's identifiers as fields.
 */
export const DECISION_SHAPE = 2;

/** accepted: took effect; rejected: refused; flagged: an anomaly noted, no effect refused. */
export type DecisionOutcome = 'accepted' | 'rejected' | 'flagged';

/**
 * The identifiers a subject names, by kind:
 * - `user`: `user_id`;
 * - `device`: `user_id`, `device_id`;
 * - `session`: `room_id`, `sender_key`, `session_id` (`sender_key` is `*` for a key
 *   request that named no sender key);
 * - `event`: `event_id`;
 * - `input`: `input_seq`, the entry of the input the decision is about;
 * - `backup`: `backup_version`, a server-side key backup version;
 * - `secret`: `secret_name`, a secret (`m.megolm_backup.v1`, …).
 */
export interface SubjectParts {
  readonly kind: SubjectKind;
  readonly user_id?: string;
  readonly device_id?: string;
  readonly room_id?: string;
  readonly sender_key?: string;
  readonly session_id?: string;
  readonly event_id?: string;
  readonly input_seq?: number;
  readonly backup_version?: string;
  readonly secret_name?: string;
}

/** A subject: the display string and its parts, built together by {@link subject}. */
export interface Subject {
  readonly text: string;
  readonly parts: SubjectParts;
}

/** The identifiers each kind of subject takes, in display order. */
interface SubjectWords {
  user: [userId: string];
  device: [userId: string, deviceId: string];
  session: [roomId: string, senderKey: string, sessionId: string];
  event: [eventId: string];
  input: [inputSeq: number];
  backup: [version: string];
  secret: [name: string];
}

export type SubjectKind = keyof SubjectWords;

const FIELDS: { readonly [K in SubjectKind]: readonly (keyof SubjectParts)[] } = {
  user: ['user_id'],
  device: ['user_id', 'device_id'],
  session: ['room_id', 'sender_key', 'session_id'],
  event: ['event_id'],
  input: ['input_seq'],
  backup: ['backup_version'],
  secret: ['secret_name'],
};

/**
 * Builds a subject from its kind and identifiers: the space-joined string for display
 * and filtering (`device @alice:example.org ABCDEF`), and the same identifiers as fields.
 */
export function subject<K extends SubjectKind>(kind: K, ...words: SubjectWords[K]): Subject {
  const parts: Record<string, string | number> = { kind };
  FIELDS[kind].forEach((field, i) => (parts[field] = words[i]!));
  return { text: [kind, ...words].join(' '), parts: parts as unknown as SubjectParts };
}
