import type { LedgerEntry } from '../../events/entry.js';
import { inputSeqOf } from './entry-line.js';
import type { LogSource } from './sources/source.js';

type Payload = Record<string, unknown>;
const obj = (v: unknown): Payload => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The room event with this ID as logged: its input entry, its fact, and later inputs with the same ID. */
export async function locateRoomEvent(source: LogSource, eventId: string): Promise<{ input: LedgerEntry; fact: LedgerEntry | null; alsoAt: number[] } | null> {
  let input: LedgerEntry | undefined;
  let fact: LedgerEntry | null = null;
  const alsoAt: number[] = [];
  for await (const e of source.entries()) {
    if (e.kind === 'room_event' && str(obj(obj(e.payload).event).event_id) === eventId) {
      if (input === undefined) input = e;
      else alsoAt.push(e.seq);
    } else if (input !== undefined && fact === null && inputSeqOf(e) === input.seq) fact = e;
  }
  return input === undefined ? null : { input, fact, alsoAt };
}
