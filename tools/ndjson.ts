import { open } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import { OversizedInput } from '../src/index.js';
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

/** A non-blank input line as bytes (or, when too long to hold, what was counted of it) and its line number. */
export interface NumberedInput {
  line: number;
  input: Uint8Array | OversizedInput;
}

/** How many bytes of a line too long to hold are kept, for the log. */
const HEAD_BYTES = 1024;

/**
 * Streams the non-blank lines of `stream` as bytes, split here from the chunks read (not
 * by readline, which holds a whole line as one string however long it is): a line longer
 * than `maxBytes` is never held whole, only hashed and counted as it streams by, with its
 * first bytes kept, so one huge line neither crashes the reader nor loses the lines
 * before it. Bytes go to the ledger as read, so text that is not UTF-8 is logged exactly.
 * A UTF-8 byte-order mark on the first line and a `\r` before `\n` are dropped.
 */
export function numberedInputs(stream: Readable, maxBytes: number): { lines: AsyncGenerator<NumberedInput>; stop(): void } {
  let stopped = false;
  async function* lines(): AsyncGenerator<NumberedInput> {
    let parts: Buffer[] = [];
    let held = 0;
    let over: { hash: Hash; length: number; head: Buffer } | null = null;
    let n = 0;
    const add = (piece: Buffer) => {
      if (piece.length === 0) return;
      if (over !== null) {
        over.hash.update(piece);
        over.length += piece.length;
        return;
      }
      // One byte of slack for a `\r` that will be dropped.
      if (held + piece.length > maxBytes + 1) {
        const hash = createHash('sha256');
        for (const p of parts) hash.update(p);
        hash.update(piece);
        over = { hash, length: held + piece.length, head: Buffer.from(Buffer.concat([...parts, piece.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES)) };
        parts = [];
        held = 0;
        return;
      }
      parts.push(piece);
      held += piece.length;
    };
    const take = (): NumberedInput | null => {
      n++;
      if (over !== null) {
        const item = { line: n, input: new OversizedInput(over.length, over.hash.digest('hex'), over.head) };
        over = null;
        return item;
      }
      let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      parts = [];
      held = 0;
      if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
      if (n === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      if (isBlank(bytes)) return null;
      return { line: n, input: bytes };
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        if (stopped) return;
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        let start = 0;
        for (;;) {
          const nl = buf.indexOf(0x0a, start);
          if (nl < 0) {
            add(buf.subarray(start));
            break;
          }
          add(buf.subarray(start, nl));
          const item = take();
          if (item !== null) yield item;
          if (stopped) return;
          start = nl + 1;
        }
      }
    } catch (err) {
      if (stopped) return;
      throw new CliError(`reading the input failed after line ${n}: ${(err as Error).message}`);
    }
    if (over !== null || held > 0) {
      const item = take();
      if (item !== null) yield item;
    }
  }
  return {
    lines: lines(),
    stop: () => {
      stopped = true;
      (stream as Readable & { destroy?: () => void }).destroy?.();
    },
  };
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false;
  return true;
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
