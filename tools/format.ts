/** Small text helpers shared by the commands' human output. */

/** Pretty JSON (two spaces), as humans read state and upload bodies. */
export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Compact JSON, one value per line for `--json` output. */
export function compact(value: unknown): string {
  return JSON.stringify(value);
}

/** ISO-8601 time of a millisecond timestamp; `?` when it is not a valid time. */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : '?';
}

/** Cuts `text` to `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Lists at most `max` items, then `(+N more)`. */
export function listSome(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} (+${items.length - max} more)`;
}

/** `1 entry`, `3 entries`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * An aligned text table: every column but the last is padded to its widest cell, columns
 * are separated by two spaces, trailing spaces are trimmed.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** `k=v k2=v2` for a small flat record (decision details). */
export function keyValues(record: Readonly<Record<string, unknown>> | undefined): string {
  if (record === undefined) return '';
  return Object.entries(record)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/**
 * Help prose: single line breaks (kept in the source for readability) become spaces, blank
 * lines stay paragraph breaks, so commander can wrap the text to the terminal width.
 */
export function prose(text: string): string {
  return text.replace(/(?<!\n)\n(?!\n)/g, ' ');
}
