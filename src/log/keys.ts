/**
 * Root-level key prefixes of the ledger's sublevels, for the hot paths that write plain
 * batch puts (skipping abstract-level's per-op sublevel encoding) or read raw keys. Each
 * must equal what `db.sublevel(name)` prefixes (`!name!`); `store.ts` names the sublevels.
 */

/** The log: `!log!<seq>` → entry text. */
export const LOG_PREFIX = '!log!';
/** Decisions under today's rules: `!decisions!<seq>…` → decision. */
export const DECISIONS_PREFIX = '!decisions!';
/** Decisions as taken when their entry was written: `!recorded!<seq>…` → decision. */
export const RECORDED_PREFIX = '!recorded!';
