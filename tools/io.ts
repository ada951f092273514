import type { Readable, Writable } from 'node:stream';

/** The process's streams and environment, injectable so the CLI can run in-process. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** The reader of our output went away (`keyledger log | head`): stop quietly. */
export class OutputClosedError extends Error {
  constructor() {
    super('output closed');
  }
}

/**
 * Writes lines to a stream with backpressure, so a million-entry export never queues
 * the whole log in memory. Once the reader has gone (EPIPE), every write throws
 * {@link OutputClosedError}.
 */
export class LineWriter {
  private closed = false;

  constructor(readonly stream: Writable & { isTTY?: boolean }) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
    });
  }

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  /** Writes `text` and a newline; resolves when the stream can take more. */
  async line(text = ''): Promise<void> {
    await this.write(`${text}\n`);
  }

  async write(text: string): Promise<void> {
    if (this.closed) throw new OutputClosedError();
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
    if (this.closed) throw new OutputClosedError();
  }
}
