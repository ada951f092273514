/**
 * Secret sharing (`modules/secrets.md`): `m.secret.request` and `m.secret.send`.
 */
import * as t from 'io-ts';
import { dispatchOn } from './codec.js';

/** `m.secret.request` with `action: "request"`: `name` is required for a request. */
export const SecretRequest = t.type({
  action: t.literal('request'),
  /** The secret asked for, e.g. `m.cross_signing.self_signing` or `m.megolm_backup.v1`. */
  name: t.string,
  requesting_device_id: t.string,
  request_id: t.string,
}, 'SecretRequest');
export type SecretRequest = t.TypeOf<typeof SecretRequest>;

/** `m.secret.request` with `action: "request_cancellation"`. */
export const SecretRequestCancellation = t.intersection([
  t.type({ action: t.literal('request_cancellation'), requesting_device_id: t.string, request_id: t.string }),
  t.partial({ name: t.string }),
], 'SecretRequestCancellation');
export type SecretRequestCancellation = t.TypeOf<typeof SecretRequestCancellation>;

/** Any `m.secret.request` content; an unknown `action` fails as `unknown action "x"`. */
export const SecretRequestContent = dispatchOn('SecretRequestContent', {
  key: 'action',
  branches: { request: SecretRequest, request_cancellation: SecretRequestCancellation },
});
export type SecretRequestContent = t.TypeOf<typeof SecretRequestContent>;

/**
 * `m.secret.send`: the secret itself. Valid only as a decrypted Olm payload from a
 * verified own device we asked; those are rules, checked after decoding.
 */
export const SecretSendContent = t.type({ request_id: t.string, secret: t.string }, 'SecretSendContent');
export type SecretSendContent = t.TypeOf<typeof SecretSendContent>;
