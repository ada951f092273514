import { Command, Option } from 'commander';
import { DEFAULT_MAX_INPUT_BYTES, type IngestOutcome, type Ledger } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import type { CliContext } from '../context.js';
import { CliError, describeError, EXIT } from '../errors.js';
import { compact, prose } from '../format.js';
import { inBatches, numberedInputs, openSource, type NumberedInput } from '../ndjson.js';
import { parseBytes, parseCount } from '../parse.js';


interface IngestOptions {
  json?: boolean;
  quiet?: boolean;
  sync?: boolean;
  batch: number;
  maxInput: number;
}

const ENVELOPES = `
Input: NDJSON, one ingest envelope per line (blank lines are skipped):
  {"kind":"to_device","event":{"type":"m.room.encrypted","sender":"@bob:example.org","content":{…}}}
  {"kind":"room_event","room_id":"!room:example.org","event":{"event_id":"$ev","sender":"@bob:example.org","origin_server_ts":1700000000000,"type":"m.room.encrypted","content":{…}}}
  {"kind":"keys_query","response":{…a /keys/query response body…}}
  {"kind":"backup_version","response":{…a GET /room_keys/version response body…}}
  {"kind":"sync","to_device":{"events":[…]},"device_lists":{"changed":[…],"left":[…]},"device_one_time_keys_count":{…},"device_unused_fallback_key_types":[…]}
  {"kind":"track_users","users":["@alice:example.org"]}
  {"kind":"user_action","action":"…", …}
Any envelope may carry "received_at" (ms since the epoch); otherwise the time of
ingestion is recorded. Event contents of known types are checked by their codec.
A line longer than --max-input (default 16MiB) is not held in memory: it is logged
as rejected (input.too_large) with its length, SHA-256 and first bytes. Lines are
logged as the bytes read, so a line that is not UTF-8 is kept exactly (base64).

Output: one line per input (a sync adds one line per to-device event),
  seq 12 keys_query
  line 7: rejected (seq 13): event.content.session_id: expected string, got number
then "ingested N, rejected M, last seq S". A rejected line is not lost: it is logged as
a rejected_input entry (see \`keyledger decisions --code input.rejected\`), and the exit
code stays 0. The exit code is non-zero only when the ledger cannot be opened or written.

Examples:
  keyledger ingest events.ndjson
  my-sync-dump | keyledger ingest --json > results.ndjson`;

/** How one to-device event of a sync was processed: its seqs and its decisions' codes, or why it was refused. */
function toDeviceText(outcome: IngestOutcome): string {
  if (!outcome.ok) return `rejected (seq ${outcome.error.seq}): ${rejectionText(outcome.error.path, outcome.error.detail)}`;
  const codes = outcome.decisions.map((d) => `${d.outcome} ${d.code}`);
  return `seq ${outcome.seqs.join(',')}${codes.length > 0 ? `: ${codes.join('; ')}` : ''}`;
}

function toDeviceJson(outcome: IngestOutcome): unknown {
  if (!outcome.ok) return { ok: false, seq: outcome.error.seq, path: outcome.error.path, message: outcome.error.detail };
  return { ok: true, seq: outcome.seq, seqs: outcome.seqs, decisions: outcome.decisions.map((d) => ({ code: d.code, outcome: d.outcome, subject: d.subject })) };
}

/** The one-line message of a rejected input, path first. */
function rejectionText(path: string, message: string): string {
  const text = message;
  return path !== '' && !text.startsWith(path) ? `${path}: ${text}` : text;
}

export const ingestCommand: CommandModule = {
  name: 'ingest',
  create(ctx: CliContext) {
    return new Command('ingest')
      .summary('append NDJSON envelopes to the ledger')
      .description(prose('Append inputs (ingest envelopes, one JSON object per line) to the log, in order,\nand fold them into the state. Reads FILE, or stdin when FILE is - or absent.'))
      .argument('[file]', 'NDJSON file to read (- or absent: stdin)')
      .option('--json', 'print results as JSON lines ({"line","ok","seq",…, "reason" on a rejected line}; last line {"summary":…})')
      .option('-q, --quiet', 'print only rejected lines and the summary')
      .option('--sync', 'fsync every batch before going on (slower; survives a power cut)')
      .addOption(new Option('--batch <n>', 'inputs written per atomic batch').argParser(parseCount).default(500))
      .addOption(new Option('--max-input <bytes>', 'longest input line kept (e.g. 16MiB); a longer one is logged as too large').argParser(parseBytes).default(DEFAULT_MAX_INPUT_BYTES, '16MiB'))
      .addHelpText('after', ENVELOPES)
      .action(async (file: string | undefined, opts: IngestOptions, cmd: Command) => {
        const source = await openSource(file, ctx.io.stdin);
        if (source.name === 'stdin' && ctx.io.stdin.isTTY === true) await ctx.note('reading envelopes from stdin, one per line (Ctrl-D to end)');
        const { lines, stop } = numberedInputs(source.stream, opts.maxInput);
        let interrupted = false;
        const onSigint = () => {
          if (interrupted) process.exit(130);
          interrupted = true;
          stop();
        };
        process.on('SIGINT', onSigint);
        try {
          await ctx.withLedger(cmd, 'write', (ledger) => ingestAll(ctx, ledger, lines, opts), { durability: opts.sync ? 'sync' : 'batched', maxInputBytes: opts.maxInput });
        } finally {
          process.off('SIGINT', onSigint);
        }
        if (interrupted) {
          await ctx.note('interrupted: the lines above were ingested, the rest of the input was not read');
          ctx.exitCode = EXIT.INTERRUPTED;
        }
      });
  },
};

async function ingestAll(ctx: CliContext, ledger: Ledger, lines: AsyncIterable<NumberedInput>, opts: IngestOptions): Promise<void> {
  // Nothing is appended after a damaged table: the whole log is read (not decoded) first.
  await ledger.checkLogReadable().catch((err: unknown) => {
    throw new CliError(`${describeError(err)}; refusing to append to a damaged log: nothing was ingested`);
  });
  let ingested = 0;
  let rejected = 0;
  for await (const batch of inBatches(lines, opts.batch)) {
    let outcomes: IngestOutcome[];
    try {
      outcomes = await ledger.ingestManyUnknown(batch.map((l) => l.input));
    } catch (err) {
      throw new CliError(`${describeError(err)} (stopped at line ${batch[0]!.line}; ${ingested + rejected} inputs before it were written)`);
    }
    for (let i = 0; i < batch.length; i++) {
      const line = batch[i]!.line;
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        ingested++;
        if (opts.quiet) continue;
        if (opts.json) {
          const decisions = outcome.decisions.map((d) => ({ code: d.code, outcome: d.outcome, subject: d.subject }));
          const toDevice = outcome.toDevice?.map(toDeviceJson);
          await ctx.out.line(compact({ line, ok: true, seq: outcome.seq, seqs: outcome.seqs, kind: outcome.kind, decisions, ...(toDevice ? { to_device: toDevice } : {}) }));
        } else {
          const first = outcome.seqs[0]!;
          const last = outcome.seqs[outcome.seqs.length - 1]!;
          await ctx.out.line(`seq ${outcome.seq} ${outcome.kind}${last !== first ? ` (entries ${first}–${last})` : ''}`);
          for (const [i, part] of (outcome.toDevice ?? []).entries()) await ctx.out.line(`  to-device ${i + 1}: ${toDeviceText(part)}`);
        }
      } else {
        rejected++;
        const { seq, path, detail, reason } = outcome.error;
        if (opts.json) await ctx.out.line(compact({ line, ok: false, seq, path, message: detail, reason }));
        else await ctx.out.line(`line ${line}: rejected (seq ${seq}): ${rejectionText(path, detail)}`);
      }
    }
  }
  const lastSeq = ledger.headSeq();
  if (opts.json) await ctx.out.line(compact({ summary: { ingested, rejected, lastSeq } }));
  else await ctx.out.line(`ingested ${ingested}, rejected ${rejected}, last seq ${lastSeq}`);
}
