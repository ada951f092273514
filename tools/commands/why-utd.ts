import { Command, Option } from 'commander';
import { whyUtd, type UtdReport } from '../../src/index.js';
import { decisionText, detailText, entryText, rulesSection } from '../analysis-text.js';
import type { CommandModule } from '../command.js';
import { sourceOption, type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { compact, plural, prose } from '../format.js';
import { parseLimit } from '../parse.js';

/** Timeline lines shown by default: a session of 20,000 messages printed them all. */
export const DEFAULT_TIMELINE_LIMIT = 20;

/**
 * The `limit` timeline items to show, `[from, to)`: a window around the event asked about
 * (what happened to its session just before and after it), clipped to the timeline.
 */
export function timelineWindow(r: UtdReport, limit: number): { from: number; to: number } {
  const n = r.timeline.length;
  if (n <= limit) return { from: 0, to: n };
  const next = r.timeline.findIndex((t) => t.seq >= r.input.seq);
  const at = next < 0 ? n - 1 : next;
  const from = Math.min(Math.max(0, at - Math.floor(limit / 2)), n - limit);
  return { from, to: from + limit };
}

/**
 * The report as text: what happened to the event, why, and the session's timeline, at
 * most `limit` items of it (a window around the event), saying how many were left out.
 */
export function utdLines(r: UtdReport, limit = DEFAULT_TIMELINE_LIMIT): string[] {
  const flagged = r.eventDecisions.filter((d) => d.outcome !== 'accepted' && d.code !== 'megolm.undecryptable').map((d) => d.code);
  const verdict =
    r.status === 'decrypted'
      ? `decrypted${flagged.length > 0 || (r.provenance?.warnings.length ?? 0) > 0 ? `, with warnings: ${[...flagged, ...(r.provenance?.warnings ?? [])].join(', ')}` : ''}`
      : r.status === 'not_encrypted' ? 'not encrypted (nothing to decrypt)' : 'NOT decrypted';
  const out = [`${r.eventId} in ${r.roomId ?? '?'} from ${r.sender ?? '?'}: ${verdict}`, `  arrived   ${entryText(r.input)}`];
  if (r.fact) out.push(`  outcome   ${entryText(r.fact)}`);
  if (r.sessionId) out.push(`  session   ${r.sessionId} (sender key ${r.senderKey ?? 'not given'}), message index ${r.messageIndex ?? 'unknown'}`);
  if (r.alsoAt.length > 0) out.push(`  the same event ID arrived again at seq ${r.alsoAt.join(', ')}`);
  if (r.cause) {
    out.push('', `Cause: ${r.cause.name}: ${r.cause.summary}`);
    if (r.cause.rule) out.push(`  ${r.cause.code}: ${r.cause.rule.summary}`);
    if (r.causeEntry) out.push(`  ${entryText(r.causeEntry)}`);
    for (const d of r.causeDecisions) out.push(`    ${decisionText(d)}${d.because.length ? `  because ${d.because.join(',')}` : ''}`);
    if (r.cause.seq !== null) out.push(`  (the whole chain: keyledger explain ${r.cause.seq})`);
    if (r.now) out.push(`Now: ${r.now.cause === r.cause.name ? 'unchanged' : `${r.now.cause} (seq ${r.now.seq})`}`);
  }
  if (r.provenance) {
    const p = r.provenance;
    out.push('', `Session: from index ${p.firstKnownIndex}, ${p.authenticity}, via ${p.source.type} at seq ${p.source.seq}` +
      (p.senderDevice ? `; sender device ${p.senderDevice.userId} ${p.senderDevice.deviceId} is ${p.senderTrust?.level ?? '?'}` : '; sender device unknown'));
    if (p.warnings.length > 0) out.push(`  warnings: ${p.warnings.join(', ')}`);
  }
  const flags = r.eventDecisions.filter((d) => d.code !== 'megolm.undecryptable');
  if (flags.length > 0) out.push('', 'Decisions about this event:', ...flags.map((d) => `  seq ${d.seq}  ${decisionText(d)}  ${detailText(d)}`.trimEnd()));
  const { from, to } = timelineWindow(r, limit);
  const shown = r.timeline.slice(from, to);
  const total = r.timeline.length;
  if (total > 0) out.push('', `Timeline of session ${r.sessionId} in ${r.roomId}${shown.length < total ? ` (${shown.length} of ${total} items, around seq ${r.input.seq})` : ''}:`);
  if (from > 0) out.push(`  … ${plural(from, 'earlier item')} left out (seq ${r.timeline[0]!.seq}–${r.timeline[from - 1]!.seq})`);
  for (const t of shown) {
    if (t.event) out.push(`  seq ${t.seq}  event ${t.event.eventId} arrived${t.event.outcome ? ` → ${t.event.outcome}` : ''}  (${t.event.time})`);
    else if (t.decision) out.push(`  seq ${t.seq}  ${decisionText(t.decision)}`);
  }
  if (to < total) out.push(`  … ${plural(total - to, 'later item')} left out (seq ${r.timeline[to]!.seq}–${r.timeline[total - 1]!.seq})`);
  if (shown.length < total) out.push(`  (${total - shown.length} of ${total} timeline items left out: --limit N shows N, --limit 0 all, --json has them all)`);
  out.push(...rulesSection([...r.causeDecisions, ...r.eventDecisions]));
  return out;
}

export const whyUtdCommand: CommandModule = {
  name: 'why-utd',
  create(ctx: CliContext) {
    return new Command('why-utd')
      .summary('why a room event could not be decrypted, with its session\'s timeline')
      .description(
        prose(
          'For a room event that could not be decrypted ("unable to decrypt"): the cause as\n' +
            'decided when it arrived (no session, index below the first known, withheld with a\n' +
            'code, a key for its session refused at seq N and why, …), the cause against today\'s\n' +
            'state, and the timeline of its session: every decision about the session and every\n' +
            'event in it, with seqs. For an event that did decrypt: its session\'s provenance and\n' +
            'warnings. Exits 1 when no room event has that ID.',
        ),
      )
      .argument('<event_id>', 'the room event\'s event_id (quote it: it starts with $)')
      .addOption(sourceOption())
      .addOption(new Option('--limit <n>', `timeline items to show, around the event (0: all; --json has all)`).argParser(parseLimit).default(DEFAULT_TIMELINE_LIMIT))
      .option('--json', 'one JSON object: status, cause, now, causeDecisions, provenance, timeline (all of it)')
      .addHelpText('after', '\nExamples:\n  keyledger why-utd \'$Kx8f1:example.org\'\n  keyledger why-utd --source export.ndjson \'$Kx8f1:example.org\' --json')
      .action(async (eventId: string, opts: { json?: boolean; limit: number }, cmd: Command) => {
        const r = await ctx.withSource(cmd, (source) => whyUtd(source, eventId));
        if (r === null) throw new CliError(`no room event ${eventId} in the log (see \`keyledger log\`)`, EXIT.FINDING);
        if (opts.json) return void (await ctx.out.line(compact(r)));
        for (const line of utdLines(r, opts.limit)) await ctx.out.line(line);
      });
  },
};
