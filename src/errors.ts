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

/** Another process (or another open handle) holds the ledger's write lock. */
export class LedgerLockedError extends KeyledgerError {
  constructor(readonly path: string, cause?: unknown) {
    super('ledger.locked', `the ledger at ${path} is open in another process (one writer at a time; open it read-only from a copy)`, { cause });
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

/** A stored record (snapshot, vault, entry) is not what this engine can read. */
export class CorruptStoreError extends KeyledgerError {
  constructor(message: string, cause?: unknown) {
    super('store.corrupt', message, { cause });
  }
}
