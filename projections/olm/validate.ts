/**
 * The spec's checks on a decrypted Olm payload ("Validation of incoming decrypted
 * events", "Verification of the sending user"), as one pure function. The first failing
 * check names the code; a payload that fails any is discarded.
 */
import type { OlmDecryptedPayload, OlmPlaintextView } from '../../events/facts.js';
import { deviceByCurveKey, deviceRecord, ownDevice } from '../identities/selectors.js';
import { isObject, isSignedBy } from '../identities/signing.js';
import type { ReduceContext } from '../slice.js';
import type { OlmCode } from './codes.js';
import type { OlmSenderDevice } from './state.js';

type Detail = Record<string, string | number | boolean | null>;

/** The outcome of the checks: a discarding code, or the sending device as established. */
export type PayloadCheck =
  | { ok: false; code: OlmCode; detail: Detail; because: number[] }
  | { ok: true; device: OlmSenderDevice | null };

/** The code of each bound a plaintext can break before it is decoded. */
const BOUND_CODES = {
  too_deep: 'olm.payload_too_deep',
  duplicate_key: 'olm.payload_duplicate_key',
  integer_out_of_range: 'olm.payload_integer_out_of_range',
} as const satisfies Record<NonNullable<NonNullable<OlmDecryptedPayload['plaintext_error']>['reason']>, OlmCode>;

const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/** Checks an `olm_decrypted` fact's payload (fact at `seq`) against our identity and the sender's devices. */
export function checkPayload(p: OlmDecryptedPayload, seq: number, ctx: ReduceContext): PayloadCheck {
  const fail = (code: OlmCode, detail: Detail, because: number[] = []): PayloadCheck => ({ ok: false, code, detail, because });
  const pt = p.plaintext;
  if (pt === null) {
    const error = p.plaintext_error;
    return fail(error?.reason !== undefined ? BOUND_CODES[error.reason] : 'olm.plaintext_invalid', { path: error?.path ?? '', message: error?.message ?? 'no plaintext' });
  }
  // 1. The payload's sender is the event's sender.
  if (pt.sender !== p.sender) return fail('olm.sender_mismatch', { sender: p.sender, payload_sender: pt.sender });
  // 3., 4. It was meant for us: our user, our device's ed25519 key.
  const me = ownDevice(ctx.root);
  if (me === null || pt.recipient !== me.userId) return fail('olm.recipient_mismatch', { recipient: pt.recipient, us: me?.userId ?? null }, me === null ? [] : [me.seq]);
  if (pt.recipient_keys.ed25519 !== me.ed25519) {
    return fail('olm.recipient_keys_mismatch', { recipient_ed25519: pt.recipient_keys.ed25519, our_ed25519: me.ed25519 }, [me.seq]);
  }
  // 5. sender_device_keys, when present, must describe this very sender and session.
  let claimed: OlmSenderDevice | null = null;
  if (pt.sender_device_keys !== undefined) {
    const checked = checkSenderDeviceKeys(pt, p, seq, ctx);
    if (!checked.ok) return checked;
    claimed = checked.device;
  }
  // Who owns the Olm sender key, per /keys/query: never another user than the sender.
  const known = deviceByCurveKey(ctx.root, p.sender_key);
  let device: OlmSenderDevice | null = claimed;
  if (known !== undefined) {
    if (known.userId !== p.sender) {
      return fail('olm.sender_not_key_owner', { sender: p.sender, key_owner: known.userId, key_device: known.deviceId }, seqOf(ctx, known.userId, known.deviceId));
    }
    const ed25519 = me.userId === known.userId && me.deviceId === known.deviceId ? me.ed25519 : deviceRecord(ctx.root, known.userId, known.deviceId)?.ed25519;
    if (ed25519 !== undefined) device = { userId: known.userId, deviceId: known.deviceId, ed25519, via: 'keys_query', seq: seqOf(ctx, known.userId, known.deviceId)[0] ?? seq };
  }
  // 2. keys.ed25519 is the sending device's ed25519 key (from /keys/query or sender_device_keys).
  if (device !== null && pt.keys.ed25519 !== device.ed25519) {
    return fail('olm.sender_ed25519_mismatch', { keys_ed25519: pt.keys.ed25519, device_ed25519: device.ed25519, device_id: device.deviceId, via: device.via }, device.seq < seq ? [device.seq] : []);
  }
  return { ok: true, device };
}

/** The entry that listed a device (or created our own), for `because`. */
function seqOf(ctx: ReduceContext, userId: string, deviceId: string): number[] {
  const me = ownDevice(ctx.root);
  if (me !== null && me.userId === userId && me.deviceId === deviceId) return [me.seq];
  const rec = deviceRecord(ctx.root, userId, deviceId);
  return rec === undefined ? [] : [rec.addedSeq];
}

/** Check 5 of the spec, in its order. */
function checkSenderDeviceKeys(pt: OlmPlaintextView, p: OlmDecryptedPayload, seq: number, ctx: ReduceContext): PayloadCheck {
  const fail = (code: OlmCode, detail: Detail): PayloadCheck => ({ ok: false, code, detail, because: [] });
  const sdk = pt.sender_device_keys;
  if (!isObject(sdk) || typeof sdk['user_id'] !== 'string' || typeof sdk['device_id'] !== 'string' || !isObject(sdk['keys'])) {
    return fail('olm.sender_device_keys_bad_signature', { reason: 'sender_device_keys is not a device keys object' });
  }
  const userId = sdk['user_id'];
  const deviceId = sdk['device_id'];
  const keys = sdk['keys'];
  if (userId !== p.sender) return fail('olm.sender_device_keys_user_mismatch', { sender: p.sender, sender_device_keys_user_id: userId });
  const curve = own(keys, `curve25519:${deviceId}`);
  if (curve !== p.sender_key) return fail('olm.sender_device_keys_curve_mismatch', { olm_sender_key: p.sender_key, listed: typeof curve === 'string' ? curve : null });
  const ed25519 = own(keys, `ed25519:${deviceId}`);
  if (typeof ed25519 !== 'string' || ed25519 !== pt.keys.ed25519) {
    return fail('olm.sender_device_keys_ed25519_mismatch', { keys_ed25519: pt.keys.ed25519, listed: typeof ed25519 === 'string' ? ed25519 : null });
  }
  if (!isSignedBy(ctx.crypto, sdk, userId, `ed25519:${deviceId}`, ed25519)) {
    return fail('olm.sender_device_keys_bad_signature', { device_id: deviceId });
  }
  return { ok: true, device: { userId, deviceId, ed25519, via: 'sender_device_keys', seq } };
}
