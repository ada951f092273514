import { redactSecrets } from '../redact.js';
import { sessionProvenance, utdCause } from '../../projections/megolm/selectors.js';
import type { UtdCause } from '../../projections/megolm/utd.js';
import { explainDecision, ruleOf, subjectWords, type ExplainedDecision, type Rule } from './decision-view.js';
import { describeEntry, type EntryLine } from './entry-line.js';
import { locateRoomEvent } from './locate-event.js';
import type { LogSource } from './sources/source.js';
import type { SessionView } from './current.js';
import { sessionTimeline, type TimelineItem } from './session-timeline.js';
import { utdSentence } from './utd-sentence.js';

/** The code ingestion's undecryptable-event decision carries (`detail.cause` says why). */
const UNDECRYPTABLE = 'megolm.undecryptable';

type Payload = Record<string, unknown>;
const obj = (v: unknown): Payload => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Why a room event could (not) be decrypted, and the story of its session. */
export interface UtdReport {
  readonly eventId: string;
  readonly roomId: string | null;
  readonly sender: string | null;
  readonly sessionId: string | null;
  readonly senderKey: string | null;
  readonly messageIndex: number | null;
  readonly input: EntryLine;
  readonly fact: EntryLine | null;
  /** Later inputs carrying the same event ID. */
  readonly alsoAt: readonly number[];
  readonly status: 'decrypted' | 'undecryptable' | 'not_encrypted';
  /** The cause as decided when the event arrived (from its `megolm.undecryptable` decision). */
  readonly cause: {
    readonly name: string;
    /** The cause in one sentence (`utdSentence`). */
    readonly summary: string;
    readonly code: string | null;
    readonly seq: number | null;
    readonly rule: Rule | null;
    readonly detail: ExplainedDecision['detail'];
  } | null;
  /** The cause against today's state (`utdCause`): a key may have come since. */
  readonly now: UtdCause | null;
  /** Decisions at the entry the cause rests on, about this session (e.g. the refused forwarded key). */
  readonly causeDecisions: readonly ExplainedDecision[];
  readonly causeEntry: EntryLine | null;
  /** For a decrypted event: its session's provenance and trust now. */
  readonly provenance: SessionView | null;
  /** Every decision about the event itself (the undecryptable flag, a replayed index, a sender mismatch). */
  readonly eventDecisions: readonly ExplainedDecision[];
  readonly timeline: readonly TimelineItem[];
}

/**
 * Answers "why could this message not be decrypted?" for the room event `eventId`: the
 * cause decided at the time and today, the decision it rests on (e.g. the forwarded key
 * refused at seq N, with its rule), and the timeline of the event's session: every
 * decision about that session and every event in it, in log order. For an event that did
 * decrypt: its session's provenance and any warnings.
 *
 * @returns null when no room event with that ID is in the log.
 */
export async function whyUtd(source: LogSource, eventId: string): Promise<UtdReport | null> {
  const found = await locateRoomEvent(source, eventId);
  if (found === null) return null;
  const { input, fact } = found;
  const p = obj(input.payload);
  const event = obj(p.event);
  const content = obj(event.content);
  const f = obj(fact?.payload);
  const roomId = str(f.room_id) ?? str(p.room_id);
  const sessionId = str(f.session_id) ?? str(content.session_id);
  const senderKey = str(f.sender_key) ?? str(content.sender_key);
  const messageIndex = num(f.message_index);
  const eventDecisions = await source.decisions({ subject: `event ${eventId}` });
  const flag = eventDecisions.find((d) => d.code === UNDECRYPTABLE);
  const encrypted = flag !== undefined || fact !== null || str(content.algorithm) !== null;
  const status = fact?.kind === 'megolm_decrypted' ? 'decrypted' : encrypted ? 'undecryptable' : 'not_encrypted';
  const state = source.state();

  let cause: UtdReport['cause'] = null;
  let now: UtdCause | null = null;
  let causeDecisions: ExplainedDecision[] = [];
  let causeEntry: EntryLine | null = null;
  if (status === 'undecryptable') {
    if (roomId !== null && sessionId !== null) now = utdCause(state, roomId, senderKey ?? undefined, sessionId, messageIndex);
    const d = flag?.detail ?? {};
    const ownSeqs = new Set([input.seq, fact?.seq]);
    // The decision names the entry its cause rests on among its `because`; today's answer is the fallback.
    const causeSeq = flag?.because.filter((s) => !ownSeqs.has(s)).pop() ?? (now !== null && now.seq >= 0 ? now.seq : null);
    const code = str(d.code) ?? str(now?.detail.code);
    const name = str(d.cause) ?? now?.cause ?? 'unknown';
    const detail = redactSecrets(flag?.detail ?? now?.detail ?? null);
    cause = { name, summary: utdSentence(name, detail ?? {}, causeSeq), code, seq: causeSeq, rule: code === null ? null : ruleOf(code), detail };
    if (causeSeq !== null && sessionId !== null) {
      const at = await source.decisions({ fromSeq: causeSeq, toSeq: causeSeq });
      causeDecisions = at.filter((x) => subjectWords(x.subject).includes(sessionId)).map(explainDecision);
      for await (const e of source.entries({ from: causeSeq, to: causeSeq })) causeEntry = describeEntry(e);
    }
  }
  let provenance: SessionView | null = null;
  if (status === 'decrypted' && roomId !== null && senderKey !== null && sessionId !== null) {
    const pv = sessionProvenance(state, roomId, senderKey, sessionId);
    if (pv !== undefined) {
      const s = pv.session;
      provenance = { firstKnownIndex: s.firstKnownIndex, authenticity: s.authenticity, source: { ...s.source }, keySeq: s.keySeq, senderDevice: pv.senderDevice, senderTrust: pv.senderTrust, warnings: pv.warnings };
    }
  }
  return {
    eventId, roomId, sender: str(event.sender), sessionId, senderKey, messageIndex,
    input: describeEntry(input), fact: fact === null ? null : describeEntry(fact), alsoAt: found.alsoAt,
    status, cause, now, causeDecisions, causeEntry, provenance,
    eventDecisions: eventDecisions.map(explainDecision),
    timeline: roomId === null || sessionId === null ? [] : await sessionTimeline(source, roomId, sessionId),
  };
}
