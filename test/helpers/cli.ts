import { PassThrough, Readable } from 'node:stream';
import { main } from '../../tools/main.js';

/** What one in-process run of the CLI gave. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process on `args`, with `input` on stdin and `env` as its environment (default: none, so no store key and no KEYLEDGER_DB). */
export async function cli(args: readonly string[], input = '', env: Record<string, string> = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString('utf8')));
  stderr.on('data', (c: Buffer) => err.push(c.toString('utf8')));
  const code = await main([...args], { stdin: Readable.from([input]), stdout, stderr, env });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
