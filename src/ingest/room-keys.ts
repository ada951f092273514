import type Olm from '@matrix-org/olm';
import type { RoomKeyFacts } from '../../events/facts.js';
import { sha256Hex } from '../canonical.js';

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
  const session = new olm.InboundGroupSession();
  try {
    if (format === 'shared') session.create(sessionKey);
    else session.import_session(sessionKey);
    const first = session.first_known_index();
    const exported = session.export_session(first);
    let advanced: RoomKeyFacts['advanced'] = null;
    if (stored !== undefined && stored.firstKnownIndex > first) {
      advanced = { index: stored.firstKnownIndex, commitment: commit(session.export_session(stored.firstKnownIndex)) };
    }
    return {
      facts: { session_id: session.session_id(), first_known_index: first, commitment: commit(exported), advanced, error: null, vault_key: vaultKey },
      exported,
    };
  } catch (err) {
    return {
      facts: { session_id: null, first_known_index: null, commitment: null, advanced: null, error: olmError(err), vault_key: vaultKey },
      exported: null,
    };
  } finally {
    session.free();
  }
}

/** A public commitment to a key's ratchet at one index: SHA-256 of the key exported there. */
export function commit(exportedKey: string): string {
  return sha256Hex(exportedKey);
}

/** olm's error name (`OLM.BAD_SESSION_KEY`), never more of the input. */
export function olmError(err: unknown): string {
  const m = /OLM\.[A-Z_]+/.exec(String((err as Error)?.message ?? err));
  return m ? m[0] : 'OLM.UNKNOWN_ERROR';
}
