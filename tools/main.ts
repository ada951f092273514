import { CommanderError } from 'commander';
import { CliContext } from './context.js';
import { describeError, exitCodeOf } from './errors.js';
import { OutputClosedError, processIo, type CliIo } from './io.js';
import { buildProgram } from './program.js';

/**
 * Runs the CLI on `argv` (without node and script) and resolves to the exit code. Never
 * throws: every failure becomes one line on stderr.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx = new CliContext(io);
  try {
    const program = buildProgram(ctx);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    // Commander has already printed its own message (or the help / version).
    if (err instanceof CommanderError || err instanceof OutputClosedError) return exitCodeOf(err);
    io.stderr.write(`keyledger: ${describeError(err)}\n`);
    if (io.env.KEYLEDGER_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    return exitCodeOf(err);
  }
}
