import { redactSecrets, type Decision, type LedgerEntry } from '../src/index.js';

/** An entry without secrets, as every CLI command prints it (the engine's redaction). */
export function redactEntry(entry: LedgerEntry): LedgerEntry {
  return redactSecrets(entry);
}

/** A decision without secrets (details are meant to be secret-free; this makes sure). */
export function redactDecision(decision: Decision): Decision {
  return redactSecrets(decision);
}
