/**
 * `--interactive`: one process carries a to-device SAS flow from start to end, so the SAS
 * secret (held in memory only) lives as long as the flow. Each message to send is printed
 * as one JSON line (as `keyledger outgoing --json` prints it) and counted as sent; the
 * other side's events are read from stdin, one JSON line each (a to-device event, or an
 * ingest envelope such as a sync); the SAS is shown and the person is asked whether it
 * matches. Public keys and emoji only: nothing secret is printed.
 */
import { createInterface } from 'node:readline';
import type { Ledger, VerificationView } from '../src/index.js';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './errors.js';
import { compact } from './format.js';
import { flowLine, flowOrFail, sasLines, transcriptLines } from './verification-text.js';

export interface InteractiveOptions {
  /** Answer "they match" without asking. */
  confirm?: boolean;
  /** Answer "they do not match" without asking. */
  mismatch?: boolean;
}

/** Longest stdin line read (a sync envelope with a few events fits easily). */
const MAX_LINE = 1 << 20;

/** Prints every verification message the ledger queued and marks it sent (the person sends it). */
async function flush(ctx: CliContext, ledger: Ledger): Promise<void> {
  for (const r of ledger.outgoingRequests()) {
    if (r.type !== 'to_device' || !r.event_type.startsWith('m.key.verification.')) continue;
    await ctx.out.line(compact(r));
    await ledger.markRequestAsSent(r.id, r.type, {});
  }
}

/** What one stdin line is: an ingest envelope as is, or a bare to-device event wrapped in one. */
function envelopeOf(line: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CliError('a stdin line is not JSON (give one to-device event or envelope per line)', EXIT.USAGE);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError('a stdin line is not a JSON object', EXIT.USAGE);
  return 'kind' in value ? value : { kind: 'to_device', event: value };
}

/**
 * Runs flow `id` to its end. Resolves when the flow is done or cancelled (exit code 1
 * when cancelled); at the end of stdin before that, the flow is cancelled (`m.user`),
 * since its secret ends with the process.
 */
export async function runInteractive(ctx: CliContext, ledger: Ledger, id: string, opts: InteractiveOptions): Promise<void> {
  if (opts.confirm === true && opts.mismatch === true) throw new CliError('--confirm and --mismatch do not go together', EXIT.USAGE);
  let flow = flowOrFail(ledger, id);
  let asked = false;
  const lines = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string | null> => {
    const r = await iterator.next();
    return r.done === true ? null : r.value;
  };
  const show = async (f: VerificationView) => ctx.err.line(`keyledger: ${flowLine(f)}`);
  try {
    if (flow.canAccept) await ledger.acceptVerification(id);
    await show((flow = flowOrFail(ledger, id)));
    for (;;) {
      // The requester starts SAS; when we were asked, the other side does (no glare).
      if (flow.canStartSas && flow.weRequested) await ledger.startSas(id);
      await flush(ctx, ledger);
      flow = flowOrFail(ledger, id);
      if (flow.outcome !== null) break;
      if (flow.emoji !== null && !asked) {
        asked = true;
        for (const l of sasLines(flow)) await ctx.err.line(l);
        let match: boolean;
        if (opts.confirm === true || opts.mismatch === true) match = opts.confirm === true;
        else {
          await ctx.err.write('do they match? [y/N] ');
          const answer = await next();
          match = answer !== null && /^\s*y(es)?\s*$/i.test(answer);
        }
        await ledger.confirmSas(id, match);
        continue;
      }
      const line = await next();
      if (line === null) {
        await ctx.note('stdin ended before the flow finished: cancelled (its SAS secret ends with this process)');
        await ledger.cancelVerification(id);
        await flush(ctx, ledger);
        flow = flowOrFail(ledger, id);
        break;
      }
      if (line.trim() === '') continue;
      if (line.length > MAX_LINE) throw new CliError(`a stdin line is longer than ${MAX_LINE} bytes`, EXIT.USAGE);
      const before = flow.phase;
      await ledger.ingestUnknown(envelopeOf(line));
      flow = flowOrFail(ledger, id);
      if (flow.phase !== before) await show(flow);
    }
  } finally {
    lines.close();
  }
  await show(flow);
  for (const l of transcriptLines(flow)) await ctx.err.line(l);
  if (flow.outcome?.result !== 'done') ctx.exitCode = EXIT.FINDING;
}
