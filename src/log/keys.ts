/**
 * The store's sublevels and the root-level key prefixes they write under. Hot paths (an
 * ingest batch, a copy) write and read root-level keys with the sublevel's prefix instead
 * of going through the sublevel: per-op sublevel encoding was a fifth of the cost of an
 * ingest batch. Every such key is built here, so the names cannot drift apart.
 */

/** The sublevels of a ledger's LevelDB (see {@link LedgerStore} for what each holds). */
export const SUBLEVELS = ['log', 'decisions', 'recorded', 'snap', 'meta', 'vault', 'unclean'] as const;

/** The name of one sublevel. */
export type SublevelName = (typeof SUBLEVELS)[number];

/** The root-level prefix of a sublevel's keys (abstract-level's default separator, `!`). */
export function rootPrefix<N extends SublevelName>(name: N): `!${N}!` {
  return `!${name}!`;
}

/** Log entries: seq → entry. */
export const LOG_PREFIX = rootPrefix('log');
/** Decisions under the current rules: `seq!index` → decision. */
export const DECISIONS_PREFIX = rootPrefix('decisions');
/** Decisions as taken when their entry was written: `seq!index` → decision. */
export const RECORDED_PREFIX = rootPrefix('recorded');
/** Secrets (the pickled Olm account and sessions, Megolm keys). */
export const VAULT_PREFIX = rootPrefix('vault');
/** Room events that did not decrypt cleanly: `room event_id` → seq of their last fact. */
export const UNCLEAN_PREFIX = rootPrefix('unclean');
