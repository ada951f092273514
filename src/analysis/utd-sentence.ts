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
    case 'decryptable':
      return 'nothing stands in the way now: the session is stored and the index is known';
    default:
      return `${name}${code ? `: ${code}` : ''}${at}`;
  }
}
