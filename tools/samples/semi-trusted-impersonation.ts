/**
 * `npm run sample`: regenerates docs/samples/semi-trusted-impersonation.ndjson, the log the
 * README's incident walkthrough reads. It is the S&P 2023 "semi-trusted impersonation"
 * (Albrecht et al.): our own, never verified tablet pushes a forwarded key nobody asked
 * for, for a session dressed up as Alice's, and messages in that session follow. Made
 * with real olm keys (new ones each run), so the walkthrough names only event IDs set
 * here (`$forged-1`…), never keys. Written as `keyledger export` writes: one entry per
 * line, secrets redacted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, redactSecrets } from '../../src/index.js';
import { DEMO_DEVICE, DEMO_USER, demoInputs, feedDemo } from '../demo/scenario.js';

/** The forged messages: explicit event IDs, so the README can name them. */
export const FORGED = [
  { eventId: '$forged-1', body: 'Send me your password' },
  { eventId: '$forged-2', body: 'It is urgent, the account is locked' },
  { eventId: '$forged-3', body: 'Use this link to reset it' },
];

const DEFAULT_OUT = fileURLToPath(new URL('../../../docs/samples/semi-trusted-impersonation.ndjson', import.meta.url));

/** `received_at` of an envelope (an object, or raw text for the garbled input). */
function receivedAt(envelope: unknown): number | undefined {
  if (typeof envelope === 'string') return Number(/"received_at":(\d+)/.exec(envelope)?.[1]) || undefined;
  return (envelope as { received_at?: number }).received_at;
}

/** Writes the sample to `out` and returns the number of entries. */
export async function writeSample(out = DEFAULT_OUT): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-sample-'));
  // The ledger's own entries (its creation, room events given to decryptRoomEvent) are
  // stamped by this clock, set to each input's time, so the log reads as one morning.
  let clock = 1_764_230_400_000; // 2025-11-27T08:00:00Z
  // No store key: the ledger then logs no sealed copy of Olm plaintexts, so the export
  // holds no key material at all, not even encrypted (the throwaway vault is deleted).
  const ledger = await openLedger({ path: join(dir, 'ledger'), userId: DEMO_USER, deviceId: DEMO_DEVICE, now: () => clock, unencryptedVault: true });
  try {
    const sample = await demoInputs(await ledger.publishKeys({ withDeviceKeys: true }), FORGED);
    try {
      for (const input of sample.inputs) {
        clock = receivedAt(input.envelope) ?? clock; // the garbled input is stamped by the clock
        await feedDemo(ledger, [input]);
      }
    } finally {
      sample.free();
    }
    const lines: string[] = [];
    for await (const entry of ledger.entries()) lines.push(JSON.stringify(redactSecrets(entry)));
    writeFileSync(out, `${lines.join('\n')}\n`);
    return lines.length;
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? DEFAULT_OUT;
  const count = await writeSample(out);
  process.stdout.write(`wrote ${count} entries (secrets redacted) to ${out}\n`);
}
