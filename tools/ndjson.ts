import { open } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CliError } from './errors.js';

/** A non-blank input line and its 1-based line number in the source. */
export interface NumberedLine {
  line: number;
  text: string;
}

/**
 * An NDJSON source: a file, or stdin for `-` / no argument. The file is opened up front
 * so a missing file is a clear error before the ledger is touched.
 */
export async function openSource(file: string | undefined, stdin: Readable): Promise<{ stream: Readable; name: string }> {
  if (file === undefined || file === '-') return { stream: stdin, name: 'stdin' };
  try {
    const handle = await open(file, 'r');
    return { stream: handle.createReadStream(), name: file };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
}

/**
 * Streams the non-blank lines of `stream` with their line numbers (a UTF-8 byte-order
 * mark on the first line is dropped). `stop()` ends the stream early (Ctrl-C).
 */
export function numberedLines(stream: Readable): { lines: AsyncGenerator<NumberedLine>; stop(): void } {
  let failure: Error | undefined;
  let stopped = false;
  // The readline interface is made on the first read: one made earlier would emit lines
  // (and `close`) before anyone iterates, and they would be lost.
  let rl: Interface | undefined;
  stream.on('error', (err: Error) => {
    failure = err;
    rl?.close();
  });
  async function* lines(): AsyncGenerator<NumberedLine> {
    if (stopped) return;
    rl = createInterface({ input: stream, crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const raw of rl) {
        n++;
        const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (text.trim() === '') continue;
        yield { line: n, text };
      }
    } finally {
      rl.close();
    }
    if (failure !== undefined) throw new CliError(`reading the input failed after line ${n}: ${failure.message}`);
  }
  return {
    lines: lines(),
    stop: () => {
      stopped = true;
      rl?.close();
    },
  };
}

/** Groups an async stream into arrays of at most `size`. */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
