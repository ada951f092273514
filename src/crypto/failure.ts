/**
 * libolm's error names, as its JavaScript binding reports them (`OLM.` and the name from
 * `olm/error.h`), and the one keyledger adds: `OLM.NO_SESSION`, when no Olm session with
 * the sender could decrypt a normal message. `OLM.UNKNOWN_ERROR` also stands for a failure
 * that named no error (a WebAssembly trap).
 */
export const OLM_ERROR_CODES = [
  'OLM.NOT_ENOUGH_RANDOM',
  'OLM.OUTPUT_BUFFER_TOO_SMALL',
  'OLM.BAD_MESSAGE_VERSION',
  'OLM.BAD_MESSAGE_FORMAT',
  'OLM.BAD_MESSAGE_MAC',
  'OLM.BAD_MESSAGE_KEY_ID',
  // olm's INVALID_BASE64, cut at the digit: the name has always been read up to it, and
  // logs carry it this way.
  'OLM.INVALID_BASE',
  'OLM.BAD_ACCOUNT_KEY',
  'OLM.UNKNOWN_PICKLE_VERSION',
  'OLM.CORRUPTED_PICKLE',
  'OLM.BAD_SESSION_KEY',
  'OLM.UNKNOWN_MESSAGE_INDEX',
  'OLM.BAD_LEGACY_ACCOUNT_PICKLE',
  'OLM.BAD_SIGNATURE',
  'OLM.OLM_INPUT_BUFFER_TOO_SMALL',
  'OLM.OLM_SAS_THEIR_KEY_NOT_SET',
  'OLM.OLM_PICKLE_EXTRA_DATA',
  'OLM.UNKNOWN_ERROR',
  'OLM.NO_SESSION',
] as const;

/** Why olm refused an operation. These names are logged (fact `detail`, room key `error`): never rename one. */
export type OlmErrorCode = (typeof OLM_ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(OLM_ERROR_CODES);

/**
 * An operation olm refused, as a value the adapter returns instead of throwing. It holds
 * the error name and nothing else: never any of the input (a key, a ciphertext) that olm
 * may have been given.
 */
export class OlmFailure {
  constructor(readonly code: OlmErrorCode) {}
}

/**
 * The failure olm's exception stands for. libolm's binding reports an error only as the
 * text `OLM.<NAME>` in an Error's message: this is the one place that reads it.
 */
export function olmFailure(err: unknown): OlmFailure {
  const m = /OLM\.[A-Z_]+/.exec(String((err as Error)?.message ?? err));
  return new OlmFailure(m !== null && KNOWN.has(m[0]) ? (m[0] as OlmErrorCode) : 'OLM.UNKNOWN_ERROR');
}

/** Runs one olm call, returning what olm refused as an {@link OlmFailure} instead of throwing it. */
export function attempt<T>(call: () => T): T | OlmFailure {
  try {
    return call();
  } catch (err) {
    return olmFailure(err);
  }
}
