/**
 * QR codes (spec "QR codes"): which of the three modes a flow's code is in, and which
 * pinned keys the displaying side verifies once the other device scanned it. Pure.
 */
import { identityDetail, ownDevice } from '../identities/selectors.js';
import type { Flow } from './state.js';

type Root = Readonly<Record<string, unknown>>;

/** `0x00` verifying another user; `0x01` self-verifying, this device trusts the master key; `0x02` self-verifying, it does not yet. */
export type QrMode = 0 | 1 | 2;

export function qrMode(root: Root, flow: Pick<Flow, 'otherUserId'>): QrMode {
  const me = ownDevice(root)?.userId ?? '';
  if (flow.otherUserId !== me) return 0;
  return identityDetail(root, me).level === 'verified' ? 1 : 2;
}

/**
 * What the displaying side verifies when the user confirms the other device scanned its
 * code: mode 0 the other user's master key (the code's second key), mode 1 the other
 * device's key (the second key), mode 2 the master key (this device did not trust it yet).
 */
export function qrVerifiedKeyIds(flow: Pick<Flow, 'pinned'>, mode: QrMode): string[] {
  const role = mode === 1 ? 'device' : 'master';
  return (flow.pinned ?? []).filter((k) => k.role === role).map((k) => k.keyId);
}
