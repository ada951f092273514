/**
 * Runs one `keyledger` command in its own process (output discarded), so its time and
 * peak RSS belong to it alone. argv: the command's arguments. Prints one JSON line.
 */
import { Readable, Writable } from 'node:stream';
import { main } from '../main.js';

const discard = () => new Writable({ write: (_chunk, _enc, done) => done() });
const t0 = process.hrtime.bigint();
const code = await main(process.argv.slice(2), { stdin: Readable.from([]), stdout: discard(), stderr: discard(), env: {} });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(`${JSON.stringify({ code, seconds, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
