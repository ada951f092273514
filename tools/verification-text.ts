/**
 * How the verification commands print a flow: one line of state, the SAS when there is
 * one, pinned keys and transcript. Public keys only: nothing secret is in a flow.
 */
import type { Ledger, VerificationStepResult, VerificationView } from '../src/index.js';
import { CliError, EXIT } from './errors.js';
import type { CliContext } from './context.js';

/** `ID PHASE OTHER_USER OTHER_DEVICE [OUTCOME]`. */
export function flowLine(f: VerificationView): string {
  const outcome = f.outcome === null ? '' : ` ${f.outcome.code}${f.outcome.cancelCode !== null ? ` ${f.outcome.cancelCode}` : ''}`;
  return `${f.id} ${f.phase} ${f.otherUserId} ${f.otherDeviceId ?? '*'}${outcome}`;
}

/** The SAS as a person reads it aloud: emoji with their names, then the numbers. */
export function sasLines(f: VerificationView): string[] {
  if (f.emoji === null || f.decimals === null) return [];
  return [`emoji: ${f.emoji.map((e) => `${e.emoji} ${e.description}`).join('  ')}`, `decimals: ${f.decimals.join(' ')}`];
}

/** The transcript lines: pinned keys and what the other side MACed. */
export function transcriptLines(f: VerificationView): string[] {
  const lines: string[] = [];
  for (const k of f.pinned ?? []) lines.push(`  pinned ${k.role} ${k.keyId} ${k.publicKey}`);
  if (f.macedKeyIds !== null) lines.push(`  maced ${f.macedKeyIds.join(',')}`);
  if (f.outcome !== null) lines.push(`  outcome ${f.outcome.result} ${f.outcome.code} seq ${f.outcome.seq}${f.outcome.reason ? ` (${f.outcome.reason})` : ''}`);
  return lines;
}

/** The flow with this ID, or a CliError (exit 1) naming `keyledger verifications`. */
export function flowOrFail(ledger: Ledger, id: string): VerificationView {
  const flow = ledger.verifications().find((f) => f.id === id);
  if (flow === undefined) throw new CliError(`no verification flow ${id} (see \`keyledger verifications\`)`, EXIT.FINDING);
  return flow;
}

/** Prints what a step did: the flow, its decisions, the messages queued (sent with `keyledger outgoing`). */
export async function printStep(ctx: CliContext, result: VerificationStepResult): Promise<void> {
  if (result.flow !== undefined) await ctx.out.line(flowLine(result.flow));
  for (const d of result.decisions) await ctx.out.line(`  ${d.outcome} ${d.code} ${d.subject}`);
  for (const r of result.requests) await ctx.out.line(`  queued ${r.id} ${r.type}${r.type === 'to_device' ? ` ${r.event_type}` : ''}`);
  if (result.flow !== undefined) for (const l of sasLines(result.flow)) await ctx.out.line(l);
}
