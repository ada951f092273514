/**
 * Reads a secret (recovery key, passphrase) from stdin, never from argv: from a terminal
 * without echo (raw mode, one line, Ctrl-C aborts), otherwise the first line of what is
 * piped in. The secret is never written anywhere.
 */
import type { CliContext } from './context.js';
import { CliError, EXIT } from './errors.js';

/** Longest secret line accepted (a recovery key is 59 characters with spaces). */
const MAX_SECRET = 4096;

export async function readSecret(ctx: CliContext, prompt: string): Promise<string> {
  const stdin = ctx.io.stdin as NodeJS.ReadStream;
  const secret = stdin.isTTY === true && typeof stdin.setRawMode === 'function' ? await readFromTerminal(ctx, stdin, prompt) : await readFirstLine(stdin);
  if (secret === '') throw new CliError(`${prompt.replace(/:\s*$/, '')} is empty (give it on stdin)`, EXIT.USAGE);
  return secret;
}

async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const nl = text.indexOf('\n');
    if (nl >= 0) return text.slice(0, nl).replace(/\r$/, '');
    if (text.length > MAX_SECRET) break;
  }
  if (text.length > MAX_SECRET) throw new CliError('the secret on stdin is too long', EXIT.USAGE);
  return text.replace(/\r?\n?$/, '');
}

async function readFromTerminal(ctx: CliContext, stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  await ctx.err.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            resolve(text);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new CliError('interrupted', EXIT.INTERRUPTED));
            return;
          }
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else if (text.length < MAX_SECRET) text += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    await ctx.err.line('');
  }
}
