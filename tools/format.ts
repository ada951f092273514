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
 * are separated by two spaces, trailing spaces are trimmed. For a table of any length
 * (or one that must fit a terminal) use {@link tableLines}.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h) => h.length);
  // A loop, not Math.max(...cells): a spread of 125k arguments overflows the stack.
  for (const row of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (row[i] ?? '').length);
  return [header, ...rows].map((row) => tableLine(row, widths));
}

/** One line of {@link table}, its columns' widths known beforehand (a table streamed row by row). */
export function tableLine(row: readonly string[], widths: readonly number[]): string {
  return row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
}

/** Options of {@link tableLines}. */
export interface TableOptions {
  /** Characters a line may take (the terminal's width); cells are cut with `…` to fit. */
  width: number;
  /** Rows whose cells set the column widths (default 1,000): later rows are cut to them. */
  sample?: number;
  /** Columns that give up width first when the line is too long (default: all). */
  flexible?: readonly number[];
  /** The narrowest a flexible column is cut to (default 8). */
  minWidth?: number;
}

/**
 * The columns' widths: each its widest cell, then the widest flexible column is narrowed,
 * one character at a time, until the line fits `width` (or every flexible one is at
 * `minWidth`).
 */
export function fitWidths(natural: readonly number[], width: number, flexible: readonly number[], minWidth = 8): number[] {
  const widths = [...natural];
  let total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total > width) {
    let widest = -1;
    for (const i of flexible) if (widths[i]! > minWidth && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break;
    widths[widest]!--;
    total--;
  }
  return widths;
}

/**
 * A streamed text table for rows of any number: column widths come from the header and the
 * first `sample` rows, fitted to `width`; every line, those rows' and the rest's, is cut to
 * them, so memory is bounded by the sample whatever the length of the table.
 */
export async function* tableLines(header: readonly string[], rows: AsyncIterable<readonly string[]> | Iterable<readonly string[]>, options: TableOptions): AsyncGenerator<string> {
  const sampleSize = options.sample ?? 1000;
  const flexible = options.flexible ?? header.map((_, i) => i);
  const sample: (readonly string[])[] = [];
  let widths: number[] | null = null;
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const w = widths![i] ?? cell.length;
        const cut = truncate(cell, w);
        return i === row.length - 1 ? cut : cut.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const fix = () => {
    const natural = header.map((h) => h.length);
    for (const row of sample) for (let i = 0; i < natural.length; i++) natural[i] = Math.max(natural[i]!, (row[i] ?? '').length);
    widths = fitWidths(natural, options.width, flexible, options.minWidth);
  };
  for await (const row of rows) {
    if (widths === null) {
      sample.push(row);
      if (sample.length < sampleSize) continue;
      fix();
      yield line(header);
      for (const r of sample) yield line(r);
      sample.length = 0;
      continue;
    }
    yield line(row);
  }
  if (widths === null) {
    fix();
    yield line(header);
    for (const r of sample) yield line(r);
  }
}

/** The width output lines may take: the terminal's, else `COLUMNS`, else 120 (piped). */
export function outputWidth(stream: { columns?: number; isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): number {
  if (stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 120;
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
