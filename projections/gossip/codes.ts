import { defineCodes } from '../codes.js';

const REQUESTS = 'Key requests';
const SHARING = 'Secrets: Sharing';
const OWN_VERIFIED = 'Clients should only send keys requested by the verified devices of the same user, and should only request and accept forwarded keys from verified devices of the same user.';
const SHARE_ONLY_OWN = 'Clients must ensure that they only share secrets with other devices that are allowed to see them. For example, clients should only share secrets with the user’s own devices that are verified and may prompt the user to confirm sharing the secret.';
const IGNORE_UNASKED = 'Clients should ignore `m.secret.send` events received from devices that it did not send an `m.secret.request` event to.';
const DISREGARD = 'a device that receives a `request_cancellation` should disregard any previously-received `request` message with the same `request_id` and `requesting_device_id`.';

/**
 * Reason codes of the `gossip` slice: who may ask us for room keys and secrets, whom we
 * ask for secrets, and whose `m.secret.send` we take. (Our room key requests and the
 * forwards answering them are the megolm slice's: `room_key.requested`, `forwarded_key.*`.)
 */
export const gossipCodes = defineCodes([
  // ---- incoming m.room_key_request ------------------------------------------------------
  {
    code: 'key_request.shared',
    outcome: 'accepted',
    summary: 'An `m.room_key_request` from a verified device of our own user for a session we hold: answered with an Olm-encrypted `m.forwarded_room_key` (exported at our first known index, the forwarding chain extended).',
    spec: 'If a device wishes to share the keys with that device, it can forward the keys to the first device by sending an encrypted [m.forwarded\\_room\\_key](#mforwarded_room_key) to-device message. … Clients should only send keys requested by the verified devices of the same user',
    section: REQUESTS,
  },
  {
    code: 'key_request.other_user',
    outcome: 'rejected',
    summary: 'An `m.room_key_request` from another user: refused, and nothing is sent back (no withheld notice to a stranger).',
    spec: OWN_VERIFIED,
    section: REQUESTS,
  },
  {
    code: 'key_request.unverified_device',
    outcome: 'rejected',
    summary: 'An `m.room_key_request` from a device of our own user that is not verified (or not listed): refused; a listed device is sent `m.room_key.withheld` with `m.unverified`.',
    spec: OWN_VERIFIED,
    section: REQUESTS,
  },
  {
    code: 'key_request.unknown_session',
    outcome: 'rejected',
    summary: 'An `m.room_key_request` from a verified own device for a session we do not hold (or another algorithm): refused with `m.room_key.withheld` `m.unavailable`, so it stops waiting for us.',
    spec: '`m.unavailable`: sent in reply to a key request if the device that the key is requested from does not have the requested key.',
    section: REQUESTS,
  },
  {
    code: 'key_request.cancelled',
    outcome: 'rejected',
    summary: 'A `request_cancellation` arrived before we answered the request with the same `request_id` and `requesting_device_id`: the answer is dropped.',
    spec: DISREGARD,
    section: REQUESTS,
  },
  // ---- incoming m.secret.request --------------------------------------------------------
  {
    code: 'secret_request.shared',
    outcome: 'accepted',
    summary: 'An `m.secret.request` from a verified device of our own user for a secret we hold: answered with an Olm-encrypted `m.secret.send`.',
    spec: `A device that wishes to share the secret will reply with an \`m.secret.send\` event, encrypted using olm. … ${SHARE_ONLY_OWN}`,
    section: SHARING,
  },
  {
    code: 'secret_request.other_user',
    outcome: 'rejected',
    summary: 'An `m.secret.request` from another user: refused, nothing sent back.',
    spec: SHARE_ONLY_OWN,
    section: SHARING,
  },
  {
    code: 'secret_request.unverified_device',
    outcome: 'rejected',
    summary: 'An `m.secret.request` from a device of our own user that is not verified (or not listed): refused, nothing sent back.',
    spec: SHARE_ONLY_OWN,
    section: SHARING,
  },
  {
    code: 'secret_request.unknown_secret',
    outcome: 'rejected',
    summary: 'An `m.secret.request` from a verified own device for a secret we do not hold: refused, nothing sent back.',
    spec: 'A device that wishes to share the secret will reply with an `m.secret.send` event, encrypted using olm.',
    section: SHARING,
  },
  {
    code: 'secret_request.cancelled',
    outcome: 'rejected',
    summary: 'A `request_cancellation` arrived before we answered the secret request with the same `request_id` and `requesting_device_id`: the answer is dropped.',
    spec: 'When the original client obtains the secret, it sends an `m.secret.request` event with `action` set to `request_cancellation` to all devices other than the one that it received the secret from.',
    section: SHARING,
  },
  // ---- our m.secret.request -------------------------------------------------------------
  {
    code: 'secret_request.requested',
    outcome: 'accepted',
    summary: '`requestSecret`: an `m.secret.request` goes to the verified devices of our own user; only they may answer it.',
    spec: 'To request a secret from other devices, a client sends an `m.secret.request` device event with `action` set to `request` and `name` set to the identifier of the secret.',
    section: SHARING,
  },
  {
    code: 'secret_request.no_verified_device',
    outcome: 'rejected',
    summary: '`requestSecret`: our user has no other verified device, so no `m.secret.request` is sent.',
    spec: SHARE_ONLY_OWN,
    section: SHARING,
  },
  // ---- incoming m.secret.send -----------------------------------------------------------
  {
    code: 'secret_send.accepted',
    outcome: 'accepted',
    summary: 'An `m.secret.send` over Olm from a verified device of our own user that we sent the request (by `request_id`) to (by its Olm Curve25519 key): the secret is sealed in the vault (`secret_stored`), the other devices get a `request_cancellation`.',
    spec: `A device that wishes to share the secret will reply with an \`m.secret.send\` event, encrypted using olm. … ${IGNORE_UNASKED}`,
    section: SHARING,
  },
  {
    code: 'secret_send.invalid_payload',
    outcome: 'rejected',
    summary: 'An `m.secret.send` in an Olm payload the olm slice discarded: nothing in it, not even who sent it, can be relied on.',
    spec: 'A device that wishes to share the secret will reply with an `m.secret.send` event, encrypted using olm.',
    section: SHARING,
  },
  {
    code: 'secret_send.other_user',
    outcome: 'rejected',
    summary: 'An `m.secret.send` from another user\'s device ("impersonation to confidentiality break", Albrecht et al., IEEE S&P 2023): refused.',
    spec: IGNORE_UNASKED,
    section: SHARING,
  },
  {
    code: 'secret_send.unverified_device',
    outcome: 'rejected',
    summary: 'An `m.secret.send` over an Olm channel whose Curve25519 key is not a verified device of our own user: refused.',
    spec: SHARE_ONLY_OWN,
    section: SHARING,
  },
  {
    code: 'secret_send.unrequested',
    outcome: 'rejected',
    summary: 'An `m.secret.send` whose `request_id` names no open request of ours (unsolicited, or answered already): refused.',
    spec: IGNORE_UNASKED,
    section: SHARING,
  },
  {
    code: 'secret_send.unasked_device',
    outcome: 'rejected',
    summary: 'An `m.secret.send` answering a request of ours, from a verified own device we did not send that request to (matched by the Olm sender\'s Curve25519 key): refused.',
    spec: IGNORE_UNASKED,
    section: SHARING,
  },
]);

export type GossipCode = keyof typeof gossipCodes;
