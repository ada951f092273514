import type { LedgerEntry } from '../events/entry.js';
import type { LogSealedField } from './crypto/vault.js';

/**
 * Puts back the secrets an entry keeps sealed with the store key, for an export the user
 * asked to include secrets in: the clear content of a to-device event that carried a
 * secret (`sealed_content`), the raw text of a rejected input (`raw_sealed`), the full
 * plaintext of an Olm-decrypted payload (`sealed_plaintext`). `open` opens a text sealed in
 * the named field (each is bound to its field), and throws on a wrong key or a moved text.
 */
export function revealSecrets(entry: LedgerEntry, open: (sealed: string, field: LogSealedField) => string): LedgerEntry {
  const p = entry.payload as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object') return entry;
  if ((entry.kind === 'to_device' || entry.kind === 'room_event') && typeof p['sealed_content'] === 'string') {
    const event = p['event'] as Record<string, unknown>;
    return { ...entry, payload: { ...p, event: { ...event, content: JSON.parse(open(p['sealed_content'], 'sealed_content')) as unknown } } };
  }
  if (entry.kind === 'rejected_input' && typeof p['raw_sealed'] === 'string') {
    return { ...entry, payload: { ...p, raw: open(p['raw_sealed'], 'raw_sealed') } };
  }
  if (entry.kind === 'olm_decrypted' && typeof p['sealed_plaintext'] === 'string') {
    const text = open(p['sealed_plaintext'], 'sealed_plaintext');
    let plaintext: unknown;
    try {
      plaintext = JSON.parse(text);
    } catch {
      plaintext = text; // not JSON: as decrypted
    }
    return { ...entry, payload: { ...p, plaintext } };
  }
  return entry;
}
