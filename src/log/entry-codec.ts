import type { LedgerEntry } from '../../events/entry.js';
import { canonicalJson, sha256Hex } from '../canonical.js';

/** Fixed-width decimal key, so LevelDB's byte order is log order. */
export function seqKey(seq: number): string {
  return seq.toString().padStart(16, '0');
}

/**
 * SHA-256 over the canonical JSON of the entry without `hash`. This is the reference
 * definition; `encodeEntry` computes the same bytes without re-encoding the payload.
 */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({ seq: entry.seq, receivedAt: entry.receivedAt, kind: entry.kind, payload: entry.payload, prevHash: entry.prevHash }),
  );
}

/** An entry ready to be written: the record and its stored text. */
export interface EncodedEntry {
  entry: LedgerEntry;
  text: string;
}

/**
 * Seals an entry given its payload's canonical JSON (computed once at ingestion): the
 * canonical encoding of the whole entry is assembled around it (keys in sorted order:
 * kind, payload, prevHash, receivedAt, seq), and the stored text puts the payload last so
 * a replay can read the header without parsing the payload.
 */
export function encodeEntry(
  seq: number,
  receivedAt: number,
  kind: string,
  payloadText: string,
  payload: unknown,
  prevHash: string,
): EncodedEntry {
  const k = JSON.stringify(kind);
  const hash = sha256Hex(`{"kind":${k},"payload":${payloadText},"prevHash":"${prevHash}","receivedAt":${receivedAt},"seq":${seq}}`);
  const text = `{"seq":${seq},"receivedAt":${receivedAt},"kind":${k},"prevHash":"${prevHash}","hash":"${hash}","payload":${payloadText}}`;
  return { entry: { seq, receivedAt, kind, payload, prevHash, hash }, text };
}

/**
 * An entry read from the log whose payload is parsed on first access only: most slices
 * never look at most payloads, and parsing is most of the cost of a replay. Internal to
 * the engine's folds; what it hands to callers is a plain object (`toPlain`).
 */
class StoredEntry implements LedgerEntry {
  #payloadText: string;
  #payload: unknown = undefined;
  #parsed = false;

  constructor(
    readonly seq: number,
    readonly receivedAt: number,
    readonly kind: string,
    readonly prevHash: string,
    readonly hash: string,
    payloadText: string,
  ) {
    this.#payloadText = payloadText;
  }

  get payload(): unknown {
    if (!this.#parsed) {
      this.#payload = JSON.parse(this.#payloadText);
      this.#parsed = true;
    }
    return this.#payload;
  }

  toJSON(): LedgerEntry {
    return toPlain(this);
  }
}

/** A plain-object copy of an entry (payload included), safe to spread, redact or serialise. */
export function toPlain(e: LedgerEntry): LedgerEntry {
  return { seq: e.seq, receivedAt: e.receivedAt, kind: e.kind, payload: e.payload, prevHash: e.prevHash, hash: e.hash };
}

const HEADER = /^\{"seq":(\d+),"receivedAt":(\d+),"kind":"([a-z_]+)","prevHash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})","payload":/;

/**
 * Reads a stored entry. The header is read by pattern (it is written in one fixed form);
 * the payload waits until it is read. Text in any other form (an entry edited by hand) is
 * parsed as plain JSON.
 */
export function decodeEntryText(text: string): LedgerEntry {
  const m = HEADER.exec(text);
  if (m === null || !text.endsWith('}')) return JSON.parse(text) as LedgerEntry;
  return new StoredEntry(Number(m[1]), Number(m[2]), m[3]!, m[4]!, m[5]!, text.slice(m[0].length, -1));
}
