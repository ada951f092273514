/**
 * A UTD cause in one sentence, from its name and details (`UtdCause` or the
 * `megolm.undecryptable` decision's detail); unknown names are said as they are.
 */
export function utdSentence(name: string, detail: Readonly<Record<string, unknown>>, seq: number | null): string {
  const at = seq === null || seq < 0 ? '' : ` at seq ${seq}`;
  const code = typeof detail.code === 'string' ? detail.code : typeof detail.withheld_code === 'string' ? detail.withheld_code : null;
  switch (name) {
    case 'no_session':
      return detail.requested === true ? 'no key for this session has arrived yet (we asked for it)' : 'no key for this session ever arrived';
    case 'unknown_index':
      return `the key we hold starts at index ${String(detail.first_known_index ?? '?')}, after the message's index ${String(detail.message_index ?? '?')}`;
    case 'withheld':
      return `the sender withheld the key${at}: ${code ?? '?'}${typeof detail.reason === 'string' ? ` (${detail.reason})` : ''}`;
    case 'session_rejected':
      return `a key for this session arrived${at} and was refused: ${code ?? '?'}`;
    case 'bad_ciphertext':
      return 'olm refused the ciphertext (corrupt, or not made with this session)';
    case 'bad_plaintext':
      return 'it decrypted, but the plaintext is not a JSON event';
    case 'unknown_algorithm':
      return 'the event is not encrypted with Megolm';
    case 'sender_mismatch':
      return `it decrypted, but its sender is not the owner of the session (${String(detail.key_owner ?? '?')}): withheld`;
    case 'replayed_index':
      return `it decrypted, but its message index was decrypted before for ${String(detail.first_event_id ?? 'another event')}: a replay, withheld`;
    case 'room_mismatch':
      return `it decrypted, but its plaintext names another room (${String(detail.plaintext_room_id ?? 'none')}): withheld`;
    case 'below_trust_requirement':
      return `the sender device is below the trust requirement ${String(detail.requirement ?? '?')} (${String(detail.reason ?? '?')}): withheld`;
    case 'decryptable':
      return 'nothing stands in the way now: the session is stored and the index is known';
    default:
      return `${name}${code ? `: ${code}` : ''}${at}`;
  }
}
