import type { Writable } from 'node:stream';

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** What is being done: `verifying`, `reading decisions`. */
  label: string;
  /** What is counted: `entries`. */
  unit: string;
  /** Nothing is drawn before this many ms (default 1,000): a quick command stays quiet. */
  delayMs?: number;
  /** `--quiet`. */
  quiet?: boolean;
  /** The clock (tests pass their own). */
  now?: () => number;
}

const BAR = 24;

/**
 * A progress bar on stderr, `verifying [#########---------------] 12,345 / 400,000 entries`,
 * for a command that reads the whole log: drawn only on a terminal, only once the command
 * has run longer than a second, at most ten times a second, and never with `--quiet`; it
 * erases itself when done, so what stays on the terminal is the command's output.
 */
export class Progress {
  private readonly started: number;
  private readonly now: () => number;
  private lastDraw = 0;
  private drawn = false;
  readonly active: boolean;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean },
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.active = stream.isTTY === true && options.quiet !== true;
  }

  /** `done` of `total` (`total` unknown: 0). */
  update(done: number, total: number): void {
    if (!this.active) return;
    const t = this.now();
    if (t - this.started < (this.options.delayMs ?? 1000) || t - this.lastDraw < 100) return;
    this.lastDraw = t;
    this.drawn = true;
    const n = (x: number) => x.toLocaleString('en-US');
    const filled = total > 0 ? Math.min(BAR, Math.round((done / total) * BAR)) : 0;
    const bar = total > 0 ? ` [${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}]` : '';
    this.stream.write(`\r${this.options.label}${bar} ${n(done)}${total > 0 ? ` / ${n(total)}` : ''} ${this.options.unit}\x1b[K`);
  }

  /** Erases the bar (if one was drawn). */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
