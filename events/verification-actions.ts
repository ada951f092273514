/**
 * What the person at the keyboard does in a verification flow, logged as `user_action`
 * envelopes: ask for a verification, accept one, start SAS, say whether the emoji match,
 * cancel. A flow's messages are made from these by the outbound path (`src/outbound/verification.ts`).
 *
 * ```json
 * {"kind":"user_action","action":"verification_request","flow_id":"<txn id>","user_id":"@bob:example.org","device_id":"BOBDEV"}
 * {"kind":"user_action","action":"verification_accept","flow_id":"<id>"}
 * {"kind":"user_action","action":"verification_start_sas","flow_id":"<id>"}
 * {"kind":"user_action","action":"verification_confirm","flow_id":"<id>","match":true}
 * {"kind":"user_action","action":"verification_cancel","flow_id":"<id>"}
 * ```
 */
import * as t from 'io-ts';

const actionOf = <A extends string>(action: A) => ({ kind: t.literal('user_action'), action: t.literal(action), flow_id: t.string });

/**
 * `verification_request`: ask `user_id` to verify, to-device (`flow_id` is the
 * `transaction_id`; without `device_id` every device of the user is asked), or with
 * `room_id` in that room (`flow_id` names the flow until the request event's ID is known).
 */
export const VerificationRequestAction = t.intersection([
  t.type({ ...actionOf('verification_request'), user_id: t.string }),
  t.partial({ device_id: t.string, room_id: t.string, qr: t.boolean }),
], 'VerificationRequestAction');
export type VerificationRequestAction = t.TypeOf<typeof VerificationRequestAction>;

/** `verification_accept`: answer a request with `m.key.verification.ready`. */
export const VerificationAcceptAction = t.intersection([
  t.type(actionOf('verification_accept')),
  /** `qr`: also advertise `m.qr_code.show.v1` and `m.reciprocate.v1` (we show a QR code for the other device to scan). */
  t.partial({ qr: t.boolean }),
], 'VerificationAcceptAction');
export type VerificationAcceptAction = t.TypeOf<typeof VerificationAcceptAction>;

/** `verification_start_sas`: send `m.key.verification.start` with `m.sas.v1`. */
export const VerificationStartSasAction = t.type(actionOf('verification_start_sas'), 'VerificationStartSasAction');
export type VerificationStartSasAction = t.TypeOf<typeof VerificationStartSasAction>;

/** `verification_confirm`: the person compared the SAS: `match` true ("they match") or false; for a QR code we showed and the other device scanned, "the other device scanned it" (true) or not. */
export const VerificationConfirmAction = t.type({ ...actionOf('verification_confirm'), match: t.boolean }, 'VerificationConfirmAction');
export type VerificationConfirmAction = t.TypeOf<typeof VerificationConfirmAction>;

/**
 * `verification_scan_qr`: the person scanned the other device's QR code; what it says,
 * parsed (its mode, flow ID and two keys; never its secret, which the outbound path holds).
 */
export const VerificationScanQrAction = t.type({ ...actionOf('verification_scan_qr'), mode: t.number, code_flow_id: t.string, first_key: t.string, second_key: t.string }, 'VerificationScanQrAction');
export type VerificationScanQrAction = t.TypeOf<typeof VerificationScanQrAction>;

/** `verification_cancel`: the person cancels the flow (`m.user`). */
export const VerificationCancelAction = t.type(actionOf('verification_cancel'), 'VerificationCancelAction');
export type VerificationCancelAction = t.TypeOf<typeof VerificationCancelAction>;

/** The verification actions by `action`, registered in `userActionCodecs`. */
export const verificationActionCodecs = {
  verification_request: VerificationRequestAction,
  verification_accept: VerificationAcceptAction,
  verification_start_sas: VerificationStartSasAction,
  verification_confirm: VerificationConfirmAction,
  verification_cancel: VerificationCancelAction,
  verification_scan_qr: VerificationScanQrAction,
} as const;

export type VerificationAction =
  | VerificationRequestAction | VerificationAcceptAction | VerificationStartSasAction | VerificationConfirmAction | VerificationCancelAction | VerificationScanQrAction;

/**
 * Payload of a `sas_computed` fact: what the SAS ephemeral secret gave once both
 * ephemeral keys were known (the secret itself stays in memory, in olm's `SAS`).
 */
export interface SasComputedPayload {
  readonly input_seq: number;
  readonly flow_id: string;
  /** Both ephemeral public keys the shared secret comes from. */
  readonly our_key: string;
  readonly their_key: string;
  /**
   * When they accepted our start: whether the hash of their key and our start content
   * equals their commitment; null when we accepted (we made the commitment).
   */
  readonly commitment_ok: boolean | null;
  /** The 6 SAS bytes (hex): emoji from all 42 bits, decimals from the first 5 bytes. Shown to the user, never a key. */
  readonly sas_bytes: string;
}

/** One MAC of their `m.key.verification.mac`, checked. */
export interface MacCheck {
  readonly key_id: string;
  /** The pinned public key the MAC was checked against, or null: the key ID is not in the pinned set. */
  readonly public_key: string | null;
  readonly ok: boolean;
}

/** Payload of a `sas_mac_checked` fact: their MACs, checked with the shared secret. */
export interface SasMacCheckedPayload {
  readonly input_seq: number;
  readonly flow_id: string;
  readonly mac_method: string;
  /** The MAC of the sorted key ID list matched. */
  readonly key_ids_ok: boolean;
  readonly keys: readonly MacCheck[];
}

/**
 * Payload of a `qr_secret_checked` fact: the shared secret of an `m.reciprocate.v1` start
 * compared (in memory) with the one of the QR code we showed. Never the secret itself.
 */
export interface QrSecretCheckedPayload {
  readonly input_seq: number;
  readonly flow_id: string;
  readonly ok: boolean;
}
