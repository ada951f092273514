import { InvalidArgumentError } from 'commander';

/**
 * Strict argument parsers for commander: `--at abc`, `--at 1.5`, `--at -1` and
 * `--at 1e3` are errors, not NaN or a silent truncation.
 */

function wholeNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A log seq: a whole number ≥ 0. */
export function parseSeq(text: string): number {
  const n = wholeNumber(text);
  if (n === undefined) throw new InvalidArgumentError('expected a seq (a whole number ≥ 0).');
  return n;
}

/** A count: a whole number ≥ 1. */
export function parseCount(text: string): number {
  const n = wholeNumber(text);
  if (n === undefined || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1.');
  return n;
}

/** A limit on lines shown: a whole number ≥ 0, where 0 means no limit (Infinity). */
export function parseLimit(text: string): number {
  const n = wholeNumber(text);
  if (n === undefined) throw new InvalidArgumentError('expected a whole number (0: no limit).');
  return n === 0 ? Infinity : n;
}

/** A size in bytes: a whole number ≥ 1, optionally with a binary unit (`16MiB`, `512K`, `1G`). */
export function parseBytes(text: string): number {
  const m = /^(\d+)\s*(?:([KMG])(?:i?B)?|B)?$/i.exec(text.trim());
  const unit = m?.[2]?.toUpperCase();
  const n = m ? Number(m[1]) * (unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a size in bytes ≥ 1, e.g. 16777216, 16MiB or 512K.');
  return n;
}

/** Returns a parser that accepts one of `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    if ((choices as readonly string[]).includes(text)) return text as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`);
  };
}

/** A Matrix user ID, `@localpart:server`. */
export function parseUserId(text: string): string {
  if (!/^@[^:\s]+:\S+$/.test(text)) throw new InvalidArgumentError('expected a Matrix user ID like @alice:example.org.');
  return text;
}

/** A device ID: non-empty, no whitespace. */
export function parseDeviceId(text: string): string {
  if (!/^\S+$/.test(text)) throw new InvalidArgumentError('expected a device ID (no spaces), like ABCDEFGHIJ.');
  return text;
}
