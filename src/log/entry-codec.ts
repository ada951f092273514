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

const PAYLOAD_MARK = ',"payload":';

/**
 * Reads a stored entry. The payload is parsed on first access only: most slices never
 * look at most payloads, and parsing is most of the cost of a replay.
 */
export function decodeEntryText(text: string): LedgerEntry {
  const at = text.indexOf(PAYLOAD_MARK);
  if (at < 0 || !text.endsWith('}')) return JSON.parse(text) as LedgerEntry;
  const header = JSON.parse(`${text.slice(0, at)}}`) as Omit<LedgerEntry, 'payload'>;
  const payloadText = text.slice(at + PAYLOAD_MARK.length, -1);
  let payload: unknown;
  let parsed = false;
  Object.defineProperty(header, 'payload', {
    enumerable: true,
    get() {
      if (!parsed) {
        payload = JSON.parse(payloadText);
        parsed = true;
      }
      return payload;
    },
  });
  return header as LedgerEntry;
}
