import type { RoomKeyFacts } from '../../events/facts.js';
import { sha256Hex } from '../canonical.js';
import { OlmFailure } from '../crypto/failure.js';
import { InboundMegolmSession } from '../crypto/megolm-session.js';
import type { Olm } from '../crypto/olm.js';

/** The secret part of a room key, for the vault, beside the public facts for the log. */
export interface ExaminedRoomKey {
  facts: RoomKeyFacts;
  /** The key exported at its first known index (secret), or null if it did not import. */
  exported: string | null;
}

/**
 * Imports a room key with olm and states what it really is: its session ID, first known
 * index and a commitment to its ratchet; and, when a session with a higher first index is
 * already stored, whether this key's ratchet reaches the stored one.
 *
 * `format`: `session_key` of `m.room_key` is the session-sharing format; forwarded,
 * backed-up and exported keys are in the export format.
 */
export function examineRoomKey(
  olm: typeof Olm,
  sessionKey: string,
  format: 'shared' | 'exported',
  stored: { firstKnownIndex: number; commitment: string } | undefined,
  vaultKey: string,
): ExaminedRoomKey {
  const refused = (failure: OlmFailure): ExaminedRoomKey => ({
    facts: { session_id: null, first_known_index: null, commitment: null, advanced: null, error: failure.code, vault_key: vaultKey },
    exported: null,
  });
  const session = InboundMegolmSession.import(olm, sessionKey, format);
  if (session instanceof OlmFailure) return refused(session);
  try {
    const first = session.firstKnownIndex();
    const exported = session.exportAt(first);
    if (exported instanceof OlmFailure) return refused(exported);
    let advanced: RoomKeyFacts['advanced'] = null;
    if (stored !== undefined && stored.firstKnownIndex > first) {
      const there = session.exportAt(stored.firstKnownIndex);
      if (there instanceof OlmFailure) return refused(there);
      advanced = { index: stored.firstKnownIndex, commitment: commit(there) };
    }
    return {
      facts: { session_id: session.sessionId(), first_known_index: first, commitment: commit(exported), advanced, error: null, vault_key: vaultKey },
      exported,
    };
  } finally {
    session.free();
  }
}

/** A public commitment to a key's ratchet at one index: SHA-256 of the key exported there. */
export function commit(exportedKey: string): string {
  return sha256Hex(exportedKey);
}
