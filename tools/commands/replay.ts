import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { BUNDLE_FORMAT, checkBundle, openLogSource, ReplaySession, type LogSource, type ReplayStep, type ScanProgress } from '../../src/index.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, describeError, EXIT } from '../errors.js';
import { plural, pretty, prose } from '../format.js';
import { decisionLine, diffLines, HELP, stepLines } from '../replay-format.js';

/** Without a TTY, a progress line every this many entries scanned. */
const PROGRESS_LINE_EVERY = 10_000;

/** A bundle (checked, refused with the reason) or an NDJSON export. */
async function openFile(path: string): Promise<LogSource> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return openLogSource(path); // not one JSON document: an NDJSON export (or not there: it says so)
  }
  if (typeof value === 'object' && value !== null && 'format' in value && (value as { format: unknown }).format === BUNDLE_FORMAT) return checkBundle(value, path);
  return openLogSource(path);
}

function parseCount(arg: string | undefined): number {
  if (arg === undefined) return 1;
  if (!/^\d+$/.test(arg) || Number(arg) < 1) throw new RangeError(`expected a count ≥ 1, got ${arg}`);
  return Number(arg);
}

/** One interactive (or scripted) session: reads commands, prints results, ends at `quit` or end of input. */
async function runSession(ctx: CliContext, source: LogSource): Promise<void> {
  const session = await ReplaySession.open(source);
  const interactive = ctx.io.stdin.isTTY === true;
  let kind = 'start';
  const prompt = () => `seq ${session.seq} ${kind}> `;
  const out = (lines: readonly string[]) => Promise.all(lines.map((l) => ctx.out.line(l)));
  const show = async (step: ReplayStep | null, missing: string) => {
    if (step === null) return out([missing]);
    kind = step.kind;
    return out(stepLines(step));
  };
  const progress: ScanProgress = (scanned, seq) => {
    if (ctx.err.isTTY) ctx.io.stderr.write(`\rscanned ${scanned} entries (seq ${seq})…`);
    else if (scanned % PROGRESS_LINE_EVERY === 0) ctx.io.stderr.write(`keyledger: scanned ${scanned} entries (seq ${seq})\n`);
  };
  const search = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } finally {
      if (ctx.err.isTTY) ctx.io.stderr.write('\r\x1b[K');
    }
  };

  const commands: Record<string, (args: string[]) => Promise<unknown>> = {
    next: async (a) => {
      const n = parseCount(a[0]);
      return session.seq === session.headSeq ? out([`at the last entry (seq ${session.seq})`]) : show(await session.next(n), '');
    },
    back: async (a) => {
      const n = parseCount(a[0]);
      return session.seq === session.startSeq ? out([`at the start (seq ${session.seq}: before the first entry)`]) : show(await session.back(n), '');
    },
    goto: async (a) => {
      if (a[0] === undefined || !/^-?\d+$/.test(a[0])) throw new RangeError('goto SEQ: expected a seq');
      return show(await session.goto(Number(a[0])), '');
    },
    state: async (a) => out([pretty(await session.state(a[0]))]),
    diff: async () => {
      const changes = await session.diff();
      return out(changes.length === 0 ? ['no change'] : diffLines(changes));
    },
    decisions: async () => {
      const ds = await session.decisionsHere();
      return out([`${plural(ds.length, 'decision')} at seq ${session.seq}`, ...ds.map(decisionLine)]);
    },
    entry: async () => out([pretty(await session.entry())]),
    break: async (a) => {
      if (a[0] === undefined) throw new RangeError('break CODE|KIND: expected a reason code (or family ending in ".") or an entry kind');
      const from = session.seq;
      return show(await search(() => session.breakOn(a[0]!, progress)), `no entry after seq ${from} matches ${a[0]}`);
    },
    find: async (a) => {
      const text = a.join(' ');
      const from = session.seq;
      return show(await search(() => session.find(text, progress)), `no entry after seq ${from} mentions ${text}`);
    },
    help: async () => out(HELP),
  };
  const aliases: Record<string, string> = { n: 'next', b: 'back', g: 'goto', '?': 'help', s: 'state', d: 'diff' };

  await out([`replaying ${source.path}: seqs ${session.startSeq + 1}..${session.headSeq} (read-only); type help for commands`]);
  const rl = createInterface({ input: ctx.io.stdin, output: interactive ? ctx.io.stdout : undefined, terminal: interactive, crlfDelay: Infinity });
  rl.on('SIGINT', () => rl.close());
  rl.setPrompt(prompt());
  if (interactive) rl.prompt();
  for await (const line of rl) {
    // A scripted session echoes each command after its prompt, so the transcript reads like one typed.
    if (!interactive) await ctx.out.line(`${prompt()}${line}`);
    const [word = '', ...args] = line.trim().split(/\s+/);
    const name = aliases[word] ?? word;
    if (name === 'quit' || name === 'exit' || name === 'q') break;
    if (name !== '') {
      const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
      try {
        if (command === undefined) await out([`error: unknown command "${word}" (type help)`]);
        else await command(args);
      } catch (err) {
        if (err instanceof RangeError) await out([`error: ${err.message}`]);
        else await out([`error: ${describeError(err)}`]);
      }
    }
    rl.setPrompt(prompt());
    if (interactive) rl.prompt();
  }
  rl.close();
}

export const replayCommand: CommandModule = {
  name: 'replay',
  create(ctx: CliContext) {
    return new Command('replay')
      .summary('step through a log or an incident bundle, with state and diff at every entry')
      .description(
        prose(
          'An interactive session over the --db ledger (opened read-only), an NDJSON export, or an\n' +
            'incident bundle (`keyledger bundle`): step forward and back, jump, run to the next\n' +
            'entry of a kind or causing a reason code, find an ID, and see the state, what an entry\n' +
            'changed and the decisions it caused. Going back recomputes from the nearest snapshot.\n\n' +
            'A bundle is refused, with the reason, when it was made by an engine with other\n' +
            'versions or codecs, or when replaying it does not give its recorded state hashes and\n' +
            'decisions. Commands are read line by line, so a session can be scripted:\n' +
            '`printf "break forwarded_key.\\ndiff\\n" | keyledger replay`. Type help for the commands.',
        ),
      )
      .argument('[file]', 'an incident bundle or NDJSON export (the same as --source FILE)')
      .addOption(sourceOption())
      .addHelpText('after', '\nExamples:\n  keyledger replay --source export.ndjson\n  keyledger replay incident.bundle.json\n  printf "break forwarded_key.\\ndiff\\n" | keyledger replay --source export.ndjson')
      .action(async (file: string | undefined, opts: { source?: string }, cmd: Command) => {
        // --source is how every read command names its log; the positional FILE is kept
        // for the scripts written before it.
        if (file !== undefined && opts.source !== undefined && file !== opts.source) {
          throw new CliError(`give the log once: ${file} or --source ${opts.source}`, EXIT.USAGE);
        }
        const path = file ?? opts.source;
        const source = path === undefined ? await openLogSource(ctx.dbPath(cmd)) : await openFile(path);
        try {
          await runSession(ctx, source);
        } finally {
          await source.close();
        }
      });
  },
};
