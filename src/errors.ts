/**
 * Errors a caller of keyledger can act on. One base class with a stable string `code`;
 * one subclass per failure that calls for a different reaction.
 */
export class KeyledgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Another process (or another open handle) holds the ledger's write lock. LevelDB allows
 * one process at a time, readers included.
 */
export class LedgerLockedError extends KeyledgerError {
  constructor(readonly path: string, cause?: unknown) {
    super(
      'ledger.locked',
      `the ledger at ${path} is open in another process (LevelDB allows one at a time). To analyse it while it runs, ` +
        'have that process write a consistent copy with `ledger.copyTo(dir)` and analyse the copy; or stop the writer first. ' +
        'Do not copy the folder with cp: a copy taken during a write can be inconsistent',
      { cause },
    );
  }
}

/**
 * The folder is not a ledger and not empty (LevelDB files without `CURRENT`, files of
 * something else, a LevelDB without a ledger in it), or the ledger's log is known to be
 * damaged and nothing more may be appended to it. Nothing is created or written there;
 * `found` lists the files seen, when that is the reason.
 */
export class LedgerDamagedError extends KeyledgerError {
  constructor(
    readonly path: string,
    detail: string,
    readonly found: readonly string[] = [],
    cause?: unknown,
  ) {
    const seen = found.length === 0 ? '' : `; found ${found.slice(0, 8).join(', ')}${found.length > 8 ? `, +${found.length - 8} more` : ''}`;
    super('ledger.damaged', `${detail} (at ${path}${seen})`, { cause });
  }
}

/**
 * No ledger exists at the path and the call did not ask to create one. The message names
 * the library call that creates one; a command line adds its own hint.
 */
export class LedgerNotFoundError extends KeyledgerError {
  constructor(readonly path: string) {
    super('ledger.not_found', `no ledger at ${path} (to create one, open it writable with a user and device: openLedger({ path, userId, deviceId }))`);
  }
}

/** The ledger was opened for a different user or device than asked for. */
export class LedgerIdentityMismatchError extends KeyledgerError {
  constructor(readonly path: string, expected: string, actual: string) {
    super('ledger.identity_mismatch', `the ledger at ${path} belongs to ${actual}, not ${expected}`);
  }
}

/** A write was attempted on a ledger opened read-only. */
export class LedgerReadOnlyError extends KeyledgerError {
  constructor() {
    super('ledger.read_only', 'the ledger is open read-only');
  }
}

/** The ledger was used after `close()`. */
export class LedgerClosedError extends KeyledgerError {
  constructor() {
    super('ledger.closed', 'the ledger is closed');
  }
}

/**
 * Writing to the log failed: the calls whose inputs were in that batch get it, and the
 * ledger goes on from what is on disk. When the store itself is broken, the ledger
 * closes itself and every later call gets this error (reopening rebuilds from what was written).
 */
export class LedgerWriteError extends KeyledgerError {
  constructor(cause: unknown) {
    super('ledger.write_failed', `writing to the log failed: ${String((cause as Error)?.message ?? cause)}`, { cause });
  }
}

/**
 * An input could not be decoded. It was still logged, as the `rejected_input` entry
 * `seq`; `path` is the decoder's dotted path (empty when the text was not JSON);
 * `reason` is the decision's reason code (`input.rejected`, `input.too_large`, …).
 */
export class InputDecodeError extends KeyledgerError {
  constructor(
    readonly seq: number,
    readonly path: string,
    readonly detail: string,
    readonly reason: string = 'input.rejected',
  ) {
    super('input.decode_failed', `rejected input (logged as seq ${seq}): ${detail}`);
  }
}

/**
 * `encryptRoomEvent` encrypted nothing: the room has no outbound session (share the room
 * key first) or it is due for rotation (share it again). `reason` is the decision's code
 * (`megolm_out.no_session`, `megolm_out.session_expired`), logged at `seq`.
 */
export class RoomKeyNotSharedError extends KeyledgerError {
  constructor(
    readonly roomId: string,
    readonly reason: string,
    readonly seq: number,
  ) {
    super('room_key.not_shared', `nothing was encrypted for ${roomId} (${reason}, seq ${seq}): call shareRoomKey first`);
  }
}

/**
 * A cross-signing request was refused: an import whose private keys are not the ones our
 * identity publishes (`own_cross_signing.import_mismatch`, `.import_no_identity`), or a
 * signing without the private key, of an unknown device or identity, or of a key-ID
 * collision (`cross_sign.*`). `reason` is the decision's code, logged at `seq`. Never
 * carries a private key.
 */
export class CrossSigningRefusedError extends KeyledgerError {
  constructor(
    readonly reason: string,
    readonly seq: number,
    detail: string,
  ) {
    super('cross_signing.refused', `refused (${reason}, seq ${seq})${detail === '' ? '' : `: ${detail}`}`);
  }
}

/** The vault could not be opened with the store key given (wrong or missing key). */
export class VaultKeyError extends KeyledgerError {
  constructor(message: string, cause?: unknown) {
    super('vault.bad_key', message, { cause });
  }
}

/**
 * A sealed record failed its integrity check under the right store key: it was edited,
 * or moved from another place (each is sealed bound to its vault key name or log field).
 */
export class VaultRecordError extends KeyledgerError {
  constructor(readonly place: string, cause?: unknown) {
    super('vault.record_tampered', `the sealed record at ${place} failed its integrity check: it was altered or moved from another place`, { cause });
  }
}

/**
 * A ledger was to be created without a store key, and the caller did not choose an
 * unencrypted vault (`unencryptedVault: true`): nothing was created.
 */
export class StoreKeyRequiredError extends KeyledgerError {
  constructor(readonly path: string) {
    super(
      'vault.store_key_required',
      `creating the ledger at ${path} needs a store key to encrypt its vault (Olm account and sessions, Megolm keys) at rest: pass storeKey, or unencryptedVault: true to keep the vault unencrypted on purpose`,
    );
  }
}

/** A stored record (snapshot, vault, entry) or a LevelDB file is not what this engine can read. */
export class CorruptStoreError extends KeyledgerError {
  constructor(message: string, cause?: unknown, code = 'store.corrupt') {
    super(code, message, { cause });
  }
}

/**
 * Entries `first`–`last` of the log cannot be read (a damaged table block); `last` is null
 * when nothing after `first` could be read. Whatever was readable before them was.
 */
export class UnreadableEntriesError extends CorruptStoreError {
  constructor(
    readonly first: number,
    readonly last: number | null,
    cause?: unknown,
  ) {
    super(`${last === null ? `the log cannot be read from entry ${first} on` : first === last ? `entry ${first} of the log cannot be read` : `entries ${first}–${last} of the log cannot be read`}: a table of the ledger is damaged (${causeText(cause)})`, cause);
  }
}

/** A file LevelDB needs is gone (`file`: its name in the ledger folder). */
export class StoreMissingFileError extends CorruptStoreError {
  constructor(
    readonly path: string,
    readonly file: string,
    cause?: unknown,
  ) {
    super(`the ledger at ${path} is damaged: its file ${file} is missing (restore the folder from a backup; nothing was created or changed there)`, cause, 'store.missing_file');
  }
}

/** The disk holding the ledger is full. Nothing acknowledged was lost. */
export class StoreFullError extends KeyledgerError {
  constructor(readonly path: string, cause?: unknown) {
    super('store.full', `the disk holding the ledger at ${path} is full: free some space and retry (nothing acknowledged was lost)`, { cause });
  }
}

/** The ledger's folder cannot be written: a read-only file system, or no permission. */
export class StoreReadOnlyError extends KeyledgerError {
  constructor(readonly path: string, why: string, cause?: unknown) {
    super('store.read_only', `the ledger at ${path} cannot be written: ${why} (LevelDB writes even to open a ledger: copy the folder to a writable place, or remount it read-write)`, { cause });
  }
}

/** The innermost message of an error chain (LevelDB hides its reason under `cause`). */
export function causeText(err: unknown): string {
  let e = err as { message?: unknown; cause?: unknown } | undefined;
  let text = String(e?.message ?? err);
  for (let depth = 0; depth < 5 && e?.cause !== undefined; depth++) {
    e = e.cause as { message?: unknown; cause?: unknown };
    if (typeof e?.message === 'string') text = e.message;
  }
  return text;
}
