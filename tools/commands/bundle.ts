import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { checkBundle, makeBundle, openLogSource, readBundleText, serializeBundle, type IncidentBundle } from '../../src/index.js';
import { bundleTestSource, defaultImport } from '../bundle-as-test.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { plural, prose } from '../format.js';
import { OutFile } from '../outfile.js';
import { parseCount, parseSeq } from '../parse.js';

interface BundleCliOptions {
  from?: number;
  to?: number;
  out?: string;
  checkpointEvery?: number;
  asTest?: boolean;
  import?: string;
}

/** Writes `text` to `--out` (whole, then renamed into place) or to stdout. */
async function write(ctx: CliContext, out: string | undefined, text: string): Promise<void> {
  if (out === undefined) return ctx.out.write(text);
  const file = await OutFile.create(out);
  try {
    await file.writer.write(text);
    await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

/** A bundle of the entries `--from..--to` of the --source export or the --db ledger, with a note of what went in. */
async function bundleFromLedger(ctx: CliContext, cmd: Command, opts: BundleCliOptions): Promise<IncidentBundle> {
  const source = await openLogSource(ctx.sourcePath(cmd));
  try {
    const head = source.headSeq();
    const [from, to] = [opts.from ?? 0, opts.to ?? head];
    if (from > to) throw new CliError(`--from ${from} is after --to ${to}`, EXIT.USAGE);
    if (to > head) throw new CliError(`--to ${to} is past the last entry (seq ${head})`, EXIT.USAGE);
    const { bundle, warnings } = await makeBundle(source, { from, to, checkpointEvery: opts.checkpointEvery });
    const redacted = bundle.entries.filter((e) => e.redacted).length;
    await ctx.note(`bundled ${plural(bundle.entries.length, 'entry', 'entries')} (seqs ${from}..${to}), ${plural(bundle.checkpoints.length, 'checkpoint')}, ${redacted} with secrets redacted`);
    for (const w of warnings) await ctx.note(`warning: ${w}`);
    return bundle;
  } finally {
    await source.close();
  }
}

/** A bundle file for `--as-test`, checked first: a test made from a bundle that already diverges would only fail. */
async function bundleFromFile(path: string): Promise<IncidentBundle> {
  const bundle = readBundleText(await readFile(path, 'utf8'));
  await (await checkBundle(bundle, path)).close();
  return bundle;
}

export const bundleCommand: CommandModule = {
  name: 'bundle',
  create(ctx: CliContext) {
    return new Command('bundle')
      .summary('write an incident bundle (one file to replay a stretch of the log), or a test from one')
      .description(
        prose(
          'Write entries --from..--to of the --db ledger as one JSON file: the engine version,\n' +
            'slice versions and codec fingerprint, the state before --from and its hash, the\n' +
            'entries (secrets redacted, each marked; original hashes kept), the decisions, and\n' +
            'state hashes every --checkpoint-every entries and at the end. `keyledger replay FILE`\n' +
            'opens it, and refuses it when this engine would not replay it the same way.\n\n' +
            'With --as-test, write a mocha regression test instead, from BUNDLE (checked first) or\n' +
            'from a bundle made now: it asserts the decisions (seq, code, outcome, subject) and the\n' +
            'state hashes. Name it `*.test.ts` under test/ to have it compiled and run with the\n' +
            "repo's tests (it imports src/index.js by a relative path); a .js/.mjs file imports the\n" +
            'package `keyledger` by name.',
        ),
      )
      .argument('[bundle]', 'with --as-test: the bundle file to turn into a test')
      .addOption(new Option('--from <seq>', 'first seq (default: the first entry)').argParser(parseSeq))
      .addOption(new Option('--to <seq>', 'last seq (default: the last entry)').argParser(parseSeq))
      .addOption(new Option('--checkpoint-every <n>', 'a state hash every N entries (default 100)').argParser(parseCount))
      .option('--out <file>', 'write to this file instead of stdout (written whole, then renamed into place)')
      .option('--as-test', 'write a mocha regression test instead of the bundle')
      .addOption(sourceOption())
      .option('--import <specifier>', 'with --as-test: where the test imports keyledger from')
      .action(async (file: string | undefined, opts: BundleCliOptions, cmd: Command) => {
        if (file !== undefined && !opts.asTest) throw new CliError('a bundle file is only read with --as-test (to make a bundle, give --from and --to)', EXIT.USAGE);
        if (file !== undefined && (opts.from !== undefined || opts.to !== undefined)) throw new CliError('--from/--to make a new bundle; they do not apply to a bundle file', EXIT.USAGE);
        const bundle = file !== undefined ? await bundleFromFile(file) : await bundleFromLedger(ctx, cmd, opts);
        const text = opts.asTest ? bundleTestSource(bundle, opts.import ?? defaultImport(opts.out)) : serializeBundle(bundle);
        await write(ctx, opts.out, text);
        if (opts.out !== undefined) await ctx.note(`wrote ${opts.asTest ? 'a regression test' : 'the bundle'} to ${opts.out}`);
      });
  },
};
