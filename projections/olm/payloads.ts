/**
 * Judging Olm facts: a decrypted payload is checked (or refused as a replay) and its
 * verdict kept for the slices after this one; an undecryptable message is put on record.
 */
import type { EntryOf } from '../../events/entry.js';
import { subject } from '../decision.js';
import { hmPeek, hmSet } from '../hashmap.js';
import { deviceTrust } from '../identities/selectors.js';
import type { ReduceContext } from '../slice.js';
import { earlier, record } from './decide.js';
import type { OlmState, OlmVerdict } from './state.js';
import { checkPayload } from './validate.js';

/** Trust levels that prove a Curve25519 key belongs to its user (cross-signing, or explicit verification). */
const PROVEN = new Set(['verified', 'cross_signed_tofu']);

export function foldOlmDecrypted(state: OlmState, entry: EntryOf<'olm_decrypted'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const about = subject('input', p.input_seq);
  const verdict: OlmVerdict = {
    inputSeq: p.input_seq, ok: false, code: 'olm.replayed_message', type: p.plaintext?.type ?? null, sender: p.sender, senderKey: p.sender_key, device: null,
  };
  const keep = () => hmSet(state.verdicts, String(entry.seq), verdict);

  const first = hmPeek(state.seenCiphertexts, p.ciphertext_hash);
  if (first !== undefined) {
    keep();
    return record(ctx, 'olm.replayed_message', about, earlier(entry.seq, first, p.input_seq), { first_seq: first, sender_key: p.sender_key });
  }
  hmSet(state.seenCiphertexts, p.ciphertext_hash, entry.seq);

  const checked = checkPayload(p, entry.seq, ctx);
  if (!checked.ok) {
    verdict.code = checked.code;
    keep();
    return record(ctx, checked.code, about, earlier(entry.seq, p.input_seq, ...checked.because), { sender: p.sender, sender_key: p.sender_key, ...checked.detail });
  }
  verdict.ok = true;
  verdict.device = checked.device;
  const device = checked.device;
  const detail = { type: verdict.type, sender: p.sender, sender_key: p.sender_key, device_id: device?.deviceId ?? null, device_from: device?.via ?? null };
  // Ownership of the Curve25519 key needs a device listed by /keys/query whose trust is proven.
  const trust = device?.via === 'keys_query' ? deviceTrust(ctx.root, device.userId, device.deviceId) : undefined;
  if (trust !== undefined && PROVEN.has(trust.level)) {
    verdict.code = 'olm.payload_accepted';
    keep();
    return record(ctx, 'olm.payload_accepted', about, earlier(entry.seq, p.input_seq, device?.seq, trust.seq), { ...detail, trust: trust.level });
  }
  verdict.code = 'olm.sender_unverified';
  keep();
  record(ctx, 'olm.sender_unverified', about, earlier(entry.seq, p.input_seq, device?.seq, trust?.seq), {
    ...detail,
    trust: trust?.level ?? null,
    reason: trust?.reason ?? (device === null ? 'no device keys for this Curve25519 key' : 'device known only from sender_device_keys'),
  });
}

export function foldOlmUndecryptable(state: OlmState, entry: EntryOf<'olm_undecryptable'>, ctx: ReduceContext): void {
  const p = entry.payload;
  const about = subject('input', p.input_seq);
  if (p.reason === 'replayed') {
    const first = p.ciphertext_hash === null ? undefined : hmPeek(state.seenCiphertexts, p.ciphertext_hash);
    return record(ctx, 'olm.replayed_message', about, earlier(entry.seq, first, p.input_seq), { first_seq: first ?? null, sender_key: p.sender_key });
  }
  record(ctx, 'olm.undecryptable', about, earlier(entry.seq, p.input_seq), { reason: p.reason, detail: p.detail, sender: p.sender, sender_key: p.sender_key });
}
