import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { CliError } from './errors.js';
import { LineWriter } from './io.js';

function reason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return err.message;
  }
}

/** Partial files not yet committed or aborted, removed if the process is stopped. */
const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function removePending(): void {
  for (const tmp of pending) rmSync(tmp, { force: true });
  pending.clear();
}

function onSignal(signal: (typeof SIGNALS)[number]): void {
  removePending();
  // Another handler (ingest's Ctrl-C) decides for itself; alone, we stop as the signal would.
  if (process.listenerCount(signal) <= 1) process.exit(EXIT_CODES[signal]);
}

function track(tmp: string): void {
  if (pending.size === 0) {
    for (const s of SIGNALS) process.on(s, onSignal);
    process.on('exit', removePending);
  }
  pending.add(tmp);
}

function untrack(tmp: string): void {
  pending.delete(tmp);
  if (pending.size === 0) {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.off('exit', removePending);
  }
}

/**
 * An output file written whole or not at all: lines go to `FILE.partial-PID`, which is
 * renamed to FILE on `commit()` and removed on `abort()`, on Ctrl-C or a kill signal, and
 * when the process exits without committing (only SIGKILL can leave it behind).
 */
export class OutFile {
  private failure: NodeJS.ErrnoException | undefined;
  readonly writer: LineWriter;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly stream: WriteStream,
  ) {
    this.writer = new LineWriter(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => (this.failure ??= err));
  }

  /** Creates the temporary file; a missing folder or a permission problem is a clear error now. */
  static async create(path: string): Promise<OutFile> {
    const tmp = `${path}.partial-${process.pid}`;
    const stream = createWriteStream(tmp, { flags: 'wx' });
    track(tmp); // before the file exists: a signal from now on removes it
    try {
      await once(stream, 'open');
    } catch (err) {
      untrack(tmp);
      throw new CliError(`cannot write ${path}: ${reason(err as NodeJS.ErrnoException)}`);
    }
    return new OutFile(path, tmp, stream);
  }

  /** Throws when a write has failed. */
  check(): void {
    if (this.failure) throw new CliError(`cannot write ${this.path}: ${reason(this.failure)}`);
  }

  async commit(): Promise<void> {
    this.check();
    this.stream.end();
    try {
      await finished(this.stream);
      this.check();
      await rename(this.tmp, this.path);
      untrack(this.tmp);
    } catch (err) {
      await this.abort();
      throw err instanceof CliError ? err : new CliError(`cannot write ${this.path}: ${reason(err as NodeJS.ErrnoException)}`);
    }
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmp, { force: true });
    untrack(this.tmp);
  }
}
