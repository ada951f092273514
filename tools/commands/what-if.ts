import { Command } from 'commander';
import { whatIf, type WhatIfResult } from '../../src/index.js';
import { changeLines } from '../analysis-text.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, listSome, plural, prose } from '../format.js';
import { parseSeq } from '../parse.js';

/** The result as text: what was left out, what changes, whether the state differs. */
export function whatIfLines(r: WhatIfResult): string[] {
  const out = [`what-if: the log without seq ${r.skipped.join(', ')}`];
  if (r.factsSkipped.length > 0) out.push(`  also without ${plural(r.factsSkipped.length, 'fact')} derived from them: ${r.factsSkipped.map((f) => `${f.seq} (of input ${f.inputSeq})`).join(', ')}`);
  if (r.skippedDecisions.length > 0) {
    const codes = [...new Set(r.skippedDecisions.map((d) => d.code))];
    out.push(`  ${plural(r.skippedDecisions.length, 'decision')} taken at those entries go with them (${listSome(codes, 4)})`);
  }
  const verdicts = r.changes.filter((c) => c.change !== 'changed' || c.fields.includes('code') || c.fields.includes('outcome')).length;
  out.push('', r.changes.length === 0 ? 'No other decision changes.' : `${plural(r.changes.length, 'decision')} elsewhere ${r.changes.length === 1 ? 'changes' : 'change'} (${verdicts} in verdict: appear, disappear, other code or outcome):`);
  for (const c of r.changes) out.push(...changeLines(c, 'now', 'without').map((l) => `  ${l}`));
  out.push('', r.stateHash.differs ? `The state differs: ${r.stateHash.current.slice(0, 16)}… now, ${r.stateHash.whatIf.slice(0, 16)}… without.` : `The state is the same (hash ${r.stateHash.current.slice(0, 16)}…).`);
  return out;
}

export const whatIfCommand: CommandModule = {
  name: 'what-if',
  create(ctx: CliContext) {
    return new Command('what-if')
      .summary('re-evaluate the log with entries left out; list the decisions that change')
      .description(
        prose(
          'Replay the log with the current rules, leaving out the entries given with --skip (as\n' +
            'Redux DevTools\' skip), and compare with the log as it is: the decisions that appear\n' +
            '(+), disappear (-) or differ (~) for the same entry and subject, and whether the\n' +
            'final state differs. Skipping an input also skips the facts derived from it at\n' +
            'ingestion (an Olm decryption, a Megolm outcome). Nothing is written.',
        ),
      )
      .requiredOption('--skip <seq...>', 'seqs to leave out', (v: string, prev: number[] = []) => [...prev, parseSeq(v)])
      .addOption(sourceOption())
      .option('--json', 'one JSON object: skipped, factsSkipped, skippedDecisions, changes, stateHash')
      .addHelpText('after', '\nExamples:\n  keyledger what-if --skip 1          (as if that /keys/query never came)\n  keyledger what-if --skip 8 12 --json')
      .action(async (opts: { skip: number[]; json?: boolean }, cmd: Command) => {
        const r = await ctx.withSource(cmd, (source) => whatIf(source, opts.skip));
        if (r.skipped.length === 0) throw new CliError(`none of seq ${opts.skip.join(', ')} is in the log (see \`keyledger log\`)`, EXIT.FINDING);
        if (r.missing.length > 0) await ctx.note(`not in the log, ignored: seq ${r.missing.join(', ')}`);
        if (opts.json) return void (await ctx.out.line(compact(r)));
        for (const line of whatIfLines(r)) await ctx.out.line(line);
      });
  },
};
