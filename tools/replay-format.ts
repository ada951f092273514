import type { Decision, ReplayStep, StateChange } from '../src/index.js';
import { isoTime, keyValues, truncate } from './format.js';
import { summarise } from './entry-summary.js';

/** How the replay session prints what the library returns (everything arrives redacted). */

/** `seq 5  to_device  2025-…Z  m.room_key from …`, then one line per decision. */
export function stepLines(step: ReplayStep): string[] {
  if (step.entry === null) return [`seq ${step.seq}  (start: before the first entry)`];
  const head = `seq ${step.seq}  ${step.kind}  ${isoTime(step.entry.receivedAt)}  ${summarise(step.entry, 100)}`;
  return [head, ...step.decisions.map((d) => `  ${d.outcome.padEnd(8)}  ${d.code}  ${d.subject}`)];
}

/** One decision with what it rested on and its details. */
export function decisionLine(d: Decision): string {
  const because = d.because.length > 0 ? `  because ${d.because.join(',')}` : '';
  const detail = d.detail ? `  ${keyValues(d.detail)}` : '';
  return `  ${d.outcome.padEnd(8)}  ${d.code}  ${d.subject}${because}${detail}`;
}

const value = (v: unknown) => truncate(JSON.stringify(v) ?? 'undefined', 100);

/** `~ slice.path: old → new`, `+ slice.path: new`, `- slice.path: old`; at most `max` lines. */
export function diffLines(changes: readonly StateChange[], max = 200): string[] {
  const lines = changes.slice(0, max).map((c) => {
    const where = `${c.slice}${c.path}`;
    if (c.old === undefined) return `+ ${where}: ${value(c.new)}`;
    if (c.new === undefined) return `- ${where}: ${value(c.old)}`;
    return `~ ${where}: ${value(c.old)} → ${value(c.new)}`;
  });
  if (changes.length > max) lines.push(`(+${changes.length - max} more changes)`);
  return lines;
}

export const HELP = [
  'next [N]        step N entries forward (default 1)       (n)',
  'back [N]        step N entries back (default 1)          (b)',
  'goto SEQ        jump to entry SEQ (the start is the seq before the first entry)',
  'state [SLICE]   the state after this entry, or one slice of it (secrets redacted)',
  'diff            what this entry changed, slice by slice: ~ changed, + added, - removed',
  'decisions       the decisions this entry caused, with their reasons',
  'entry           this entry (secrets redacted)',
  'break CODE|KIND run forward to the next entry of kind KIND or causing a decision CODE',
  '                (a code ending in "." matches a family: break forwarded_key.)',
  'find TEXT       run forward to the next entry mentioning TEXT (event ID, session ID, user, device)',
  'help            this list',
  'quit            leave (end of input does too)                 (q)',
];
