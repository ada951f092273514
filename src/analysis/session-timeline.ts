import type { LedgerEntry } from '../../events/entry.js';
import { explainDecision, subjectWords, type ExplainedDecision } from './decision-view.js';
import { describeEntry, inputSeqOf, type EntryLine } from './entry-line.js';
import type { LogSource } from './sources/source.js';

type Payload = Record<string, unknown>;
const obj = (v: unknown): Payload => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** One line of a session's timeline: a decision about the session or one of its events, or one of its events arriving. */
export interface TimelineItem {
  readonly seq: number;
  readonly decision: ExplainedDecision | null;
  /** For an event of the session: its input entry, and the fact's kind (how it went). */
  readonly event: (EntryLine & { readonly eventId: string; readonly outcome: string | null }) | null;
}

/**
 * Every decision about (room, session ID), under any sender key (a forged key claims
 * someone else's), and every event of that session with the decisions about it, by seq.
 */
export async function sessionTimeline(source: LogSource, roomId: string, sessionId: string): Promise<TimelineItem[]> {
  const items: TimelineItem[] = [];
  for (const d of await source.decisions({ subject: `session ${roomId} ` })) {
    if (subjectWords(d.subject).at(-1) === sessionId) items.push({ seq: d.seq, decision: explainDecision(d), event: null });
  }
  const events = new Map<number, { entry: LedgerEntry; eventId: string; outcome: string | null }>();
  for await (const e of source.entries()) {
    const p = obj(e.payload);
    const ev = obj(p.event);
    if (e.kind === 'room_event' && str(p.room_id) === roomId && str(obj(ev.content).session_id) === sessionId) {
      events.set(e.seq, { entry: e, eventId: str(ev.event_id) ?? '?', outcome: null });
    } else {
      const input = inputSeqOf(e);
      const known = input === null ? undefined : events.get(input);
      if (known !== undefined && known.outcome === null) known.outcome = e.kind;
    }
  }
  const ids = new Set([...events.values()].map((x) => `event ${x.eventId}`));
  for (const [seq, x] of events) items.push({ seq, decision: null, event: { ...describeEntry(x.entry), eventId: x.eventId, outcome: x.outcome } });
  for (const d of await source.decisions({ subject: 'event ' })) if (ids.has(d.subject)) items.push({ seq: d.seq, decision: explainDecision(d), event: null });
  // Decisions after the entry they are taken at: an event arrives, then it is judged.
  return items.sort((a, b) => a.seq - b.seq || (a.event ? 0 : 1) - (b.event ? 0 : 1));
}
