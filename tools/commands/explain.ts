import { Command, Option } from 'commander';
import { explain, knownDevices, knownUsers, ownDevice, type CurrentAnswer, type Explanation, type LogSource } from '../../src/index.js';
import { decisionText, detailText, entryText, rulesSection } from '../analysis-text.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, plural, prose } from '../format.js';
import { parseCount } from '../parse.js';

function currentLines(c: CurrentAnswer | null): string[] {
  if (c === null) return [];
  switch (c.kind) {
    case 'device':
      return [`Now: ${c.deviceId} of ${c.userId} is ${c.trust.level} (${c.trust.reason}${c.trust.seq >= 0 ? `, seq ${c.trust.seq}` : ''}); ${c.userId}'s identity is ${c.identity}`];
    case 'user':
      return [`Now: the identity of ${c.userId} is ${c.identity.level} (${c.identity.reason}${c.identity.seq >= 0 ? `, seq ${c.identity.seq}` : ''}); master key ${c.identity.masterKey ?? 'unknown'}`];
    case 'session':
      if (c.stored === null) return [`Now: no such session is stored; ${c.utd?.cause ?? '?'}${c.utd !== null && c.utd.seq >= 0 ? ` (seq ${c.utd.seq})` : ''}`];
      return [
        `Now: stored from index ${c.stored.firstKnownIndex}, ${c.stored.authenticity}, via ${c.stored.source.type} at seq ${c.stored.source.seq}` +
          (c.stored.senderDevice ? ` from ${c.stored.senderDevice.userId} ${c.stored.senderDevice.deviceId} (${c.stored.senderTrust?.level ?? '?'})` : ' from an unknown device') +
          (c.stored.warnings.length > 0 ? `; warnings: ${c.stored.warnings.join(', ')}` : ''),
      ];
    case 'event':
      return [`Now: the event arrived at seq ${c.inputSeq}${c.factKind ? `; ${c.factKind} at seq ${c.factSeq}` : ''} (keyledger why-utd ${c.eventId})`];
  }
}

/** The explanation as text: the decisions, the chain back to the raw inputs, the rules. */
export function explanationLines(x: Explanation): string[] {
  const how = x.match === 'seq' ? `taken at seq ${x.query.replace(/^input /, '')} and its facts` : x.match === 'prefix' ? `about subjects starting "${x.query}"` : 'about this subject';
  const out = [`explain ${x.query}: ${plural(x.decisions.length, 'decision')} ${how}`, ...currentLines(x.current)];
  if (x.decisions.length > 0) out.push('', 'Decisions:');
  const at = new Map(x.at.map((e) => [e.seq, e]));
  for (const d of x.decisions) {
    out.push(`  seq ${d.seq}  ${decisionText(d)}  (${d.slice})`);
    if (d.rule) out.push(`      ${d.rule.summary}`);
    if (detailText(d)) out.push(`      detail: ${detailText(d)}`);
    const e = at.get(d.seq);
    if (e) out.push(`      at ${entryText(e)}`);
    out.push(`      because: ${d.because.length === 0 ? 'nothing earlier (the entry itself is the evidence)' : d.because.join(', ')}`);
  }
  if (x.evidence.length > 0) out.push('', 'What they rest on, back to the raw inputs (each entry once):');
  for (const ev of x.evidence) {
    const raw = ev.entry.inputSeq === null ? '  [raw input]' : `  [fact of input ${ev.entry.inputSeq}]`;
    out.push(`  ${'  '.repeat(Math.min(ev.depth - 1, 4))}${entryText(ev.entry)}${raw}  ← cited by ${ev.citedBy.join(', ')}`);
    for (const d of ev.decisions) out.push(`  ${'  '.repeat(Math.min(ev.depth - 1, 4))}    ${decisionText(d)}${d.because.length ? `  because ${d.because.join(',')}` : ''}`);
    if (ev.otherDecisions > 0) out.push(`  ${'  '.repeat(Math.min(ev.depth - 1, 4))}    (+${plural(ev.otherDecisions, 'other decision')} here: keyledger explain ${ev.entry.seq})`);
  }
  const kinds = new Map([...x.at, ...x.evidence.map((e) => e.entry)].map((e) => [e.seq, e.kind]));
  if (x.inputs.length > 0) out.push('', `Raw inputs: ${x.inputs.map((s) => `${s} (${kinds.get(s) ?? '?'})`).join(', ')}`);
  if (x.truncated) out.push('(the chain goes further back: raise --depth)');
  out.push(...rulesSection([...x.decisions, ...x.evidence.flatMap((e) => e.decisions)]));
  return out;
}

/** Subjects shown as examples when the one asked about is unknown. */
const EXAMPLES = 5;

/**
 * Whether the log knows the subject of an explanation that found no decision: a listed
 * device or user, a stored session, an event that arrived (the current answer of an
 * unknown device is "unverified", which is no answer).
 */
function known(source: LogSource, c: CurrentAnswer | null): boolean {
  if (c === null) return false;
  const state = source.state();
  const own = ownDevice(state);
  switch (c.kind) {
    case 'device':
      return knownDevices(state, c.userId).includes(c.deviceId) || (own?.userId === c.userId && own.deviceId === c.deviceId);
    case 'user':
      return knownUsers(state).includes(c.userId) || own?.userId === c.userId;
    case 'session':
      return c.stored !== null;
    case 'event':
      return true;
  }
}

/** "nothing is known about X", with how many subjects the log has and a few of them (of X's kind first). */
async function unknownSubject(source: LogSource, query: string): Promise<string> {
  const subjects = [...new Set((await source.decisions()).map((d) => d.subject))];
  const kind = query.split(' ')[0];
  const examples = [...subjects.filter((s) => s.split(' ')[0] === kind), ...subjects.filter((s) => s.split(' ')[0] !== kind)].slice(0, EXAMPLES);
  const some = examples.length === 0 ? 'the log has no decisions yet' : `the log has decisions about ${plural(subjects.length, 'subject')}, e.g. ${examples.map((s) => `"${s}"`).join(', ')}`;
  return `nothing is known about "${query}": ${some} (all of them: \`keyledger decisions\`; a seq works too: \`keyledger explain 9\`)`;
}

export const explainCommand: CommandModule = {
  name: 'explain',
  create(ctx: CliContext) {
    return new Command('explain')
      .summary('why a device, user, session, event or input is as it is')
      .description(
        prose(
          'Explain a subject: every decision about it with its reason code, the rule and the\n' +
            'spec sentence behind the code, and the entries each decision rests on, followed back\n' +
            'through the decisions taken at them to the raw inputs; then the current answer\n' +
            '(trust of a device, identity of a user, the stored session). SUBJECT is words as in\n' +
            '`keyledger decisions`: device USER DEVICE, user USER, session ROOM SENDER_KEY\n' +
            'SESSION_ID, event EVENT_ID, input SEQ, a prefix of one, or a bare SEQ (the decisions\n' +
            'taken at that entry and its facts). Secrets are never shown. Exits 1, naming a few\n' +
            'subjects that exist, when the log knows nothing of SUBJECT.',
        ),
      )
      .argument('<subject...>', 'the subject, as words (or a seq)')
      .addOption(sourceOption())
      .addOption(new Option('--depth <n>', 'follow `because` at most this many steps back').argParser(parseCount).default(8))
      .option('--json', 'one JSON object: decisions, at, evidence, inputs, current')
      .addHelpText(
        'after',
        '\nExamples:\n  keyledger explain device @alice:example.org ALICELAPTOP\n  keyledger explain session \'!room:example.org\' SENDERKEY SESSIONID\n  keyledger explain 9 --json\n  keyledger explain --source export.ndjson event \'$abc:example.org\'',
      )
      .action(async (subject: string[], opts: { depth: number; json?: boolean }, cmd: Command) => {
        const x = await ctx.withSource(cmd, async (source) => {
          const found = await explain(source, subject, { depth: opts.depth });
          if (found.match === 'none' && !known(source, found.current)) throw new CliError(await unknownSubject(source, found.query), EXIT.FINDING);
          return found;
        });
        if (opts.json) return void (await ctx.out.line(compact(x)));
        for (const line of explanationLines(x)) await ctx.out.line(line);
      });
  },
};
