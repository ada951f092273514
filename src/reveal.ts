import type { LedgerEntry } from '../events/entry.js';

/**
 * Puts back the secrets an entry keeps sealed with the store key, for an export the user
 * asked to include secrets in: the clear content of a to-device event that carried a
 * secret (`sealed_content`), the raw text of a rejected input (`raw_sealed`), the full
 * plaintext of an Olm-decrypted payload (`sealed_plaintext`). `open` throws on a wrong key.
 */
export function revealSecrets(entry: LedgerEntry, open: (sealed: string) => string): LedgerEntry {
  const p = entry.payload as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object') return entry;
  if (entry.kind === 'to_device' && typeof p['sealed_content'] === 'string') {
    const event = p['event'] as Record<string, unknown>;
    return { ...entry, payload: { ...p, event: { ...event, content: JSON.parse(open(p['sealed_content'])) as unknown } } };
  }
  if (entry.kind === 'rejected_input' && typeof p['raw_sealed'] === 'string') {
    return { ...entry, payload: { ...p, raw: open(p['raw_sealed']) } };
  }
  if (entry.kind === 'olm_decrypted' && typeof p['sealed_plaintext'] === 'string') {
    let plaintext: unknown;
    try {
      plaintext = JSON.parse(open(p['sealed_plaintext']));
    } catch (err) {
      if ((err as { code?: string }).code === 'vault.bad_key') throw err;
      plaintext = open(p['sealed_plaintext']); // not JSON: as decrypted
    }
    return { ...entry, payload: { ...p, plaintext } };
  }
  return entry;
}
