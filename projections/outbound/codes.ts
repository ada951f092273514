import { defineCodes } from '../codes.js';

const TRACKING = 'Tracking the device list for a user';
const KEYS = 'One-time and fallback keys';
const SYNC = 'Extensions to /sync';

/**
 * Reason codes of the `outbound` slice: whose device lists we track, when a `/keys/query`
 * or `/keys/upload` request is made, and responses that answer no pending request.
 * Quotes joined by ` … ` are each verbatim (checked by `test/projections/codes.test.ts`).
 */
export const outboundCodes = defineCodes([
  {
    code: 'device_list.tracked',
    outcome: 'accepted',
    summary: 'The client named a user whose devices matter: tracked from now on, and outdated until a /keys/query answers for them.',
    spec: "It first sets a flag to record that it is now tracking Bob's device list, and a separate flag to indicate that its list of Bob's devices is outdated.",
    section: TRACKING,
  },
  {
    code: 'device_list.changed',
    outcome: 'accepted',
    summary: 'A /sync listed a tracked user in device_lists.changed: their device list is outdated (users we do not track are ignored).',
    spec: 'If it is tracking the device lists of any of the listed users, then it marks the device lists for those users outdated',
    section: TRACKING,
  },
  {
    code: 'device_list.changed_in_flight',
    outcome: 'accepted',
    summary: 'A tracked user changed while a /keys/query for them was in flight: they stay outdated and are queried again once that request is answered, never twice at once.',
    spec: 'For example, a client could ensure that only one request to `/keys/query` is in flight at a time for each user, by queuing additional requests until the first completes.',
    section: TRACKING,
  },
  {
    code: 'device_list.left',
    outcome: 'accepted',
    summary: 'A /sync listed a tracked user in device_lists.left: no longer tracked.',
    spec: 'Note that Bob can also be notified when he stops sharing any room with Alice by inspecting the `left` property of the `device_lists` field, and as a result should remove her from its list of tracked users.',
    section: TRACKING,
  },
  {
    code: 'keys_query.requested',
    outcome: 'accepted',
    summary: 'An outdated tracked user with no /keys/query in flight is put in a new keys_query request.',
    spec: 'It then makes a request to [`/keys/query`](/client-server-api/#post_matrixclientv3keysquery), passing Bob\'s user ID in the `device_keys` parameter.',
    section: TRACKING,
  },
  {
    code: 'one_time_keys.replenish',
    outcome: 'accepted',
    summary: "The server holds fewer of our one-time keys than half of what the account can hold: a keys_upload request with new signed one-time keys (back up to half) is made, once.",
    spec: 'The device can thus ensure that, while it is online, there is a sufficient supply of one-time keys available, and that the fallback keys get replaced if they have been used.',
    section: KEYS,
  },
  {
    code: 'fallback_key.replace',
    outcome: 'accepted',
    summary: 'device_unused_fallback_key_types lacks signed_curve25519 (our fallback key was used, or never uploaded): the keys_upload request carries a new signed fallback key.',
    spec: "When a previously uploaded fallback key's algorithm is missing from this list, the device should upload a replacement key alongside any necessary one-time keys to avoid the fallback key's further usage.",
    section: SYNC,
  },
  {
    code: 'fallback_key.forget_old',
    outcome: 'accepted',
    summary: 'An hour after a new fallback key replaced ours (by the log\'s time: the first input an hour or more after the replacing keys_upload request), the private half of the replaced one is dropped from our account.',
    spec: 'Instead, clients should keep the private keys for at most 2 fallback keys: the current, unused, fallback key and the key immediately preceding it. Once the client is reasonably certain it has received all messages that used the old fallback key, such as after an hour since the first message, it should remove that fallback key.',
    section: KEYS,
  },
  {
    code: 'keys_claim.accepted',
    outcome: 'accepted',
    summary: "A claimed one-time key is signed by the Ed25519 key /keys/query listed for its device: an outbound Olm session is made from it.",
    spec: 'The name `signed_curve25519` also corresponds to the Curve25519 ECDH algorithm, but the key is signed so that it can be authenticated.',
    section: 'Key algorithms',
  },
  {
    code: 'keys_claim.bad_signature',
    outcome: 'rejected',
    summary: "A claimed one-time key is not a signed_curve25519 key signed by its device's Ed25519 key from /keys/query (or is malformed): no session is made from it.",
    spec: "For Olm version 1, devices use `signed_curve25519` one-time keys, signed by the device's Ed25519 key.",
    section: KEYS,
  },
  {
    code: 'keys_claim.unknown_device',
    outcome: 'rejected',
    summary: 'A claimed key names a device /keys/query never listed (or no longer lists), or one we did not ask for: there is no Ed25519 key to check it with, so no session.',
    spec: 'beyond the spec: a claimed key can only be authenticated with a device key we already hold, so a key for an unknown device is never used',
    section: KEYS,
  },
  {
    code: 'keys_claim.device_blocked',
    outcome: 'rejected',
    summary: 'A claimed key belongs to a device whose keys changed or that is blocked: it never gets a session.',
    spec: "beyond the spec: a device the rules no longer trust to hold its keys must not be sent anything, so no Olm session is made with it",
    section: KEYS,
  },
  {
    code: 'to_device.encrypted',
    outcome: 'accepted',
    summary: 'An event the client asked to send is Olm-encrypted for a listed, unblocked device, with the session it last received a message on (or the newest one); a to_device request carries it.',
    spec: 'If a client has multiple sessions established with another device, it should use the session from which it last received and successfully decrypted a message.',
    section: 'm.olm.v1.curve25519-aes-sha2',
  },
  {
    code: 'to_device.no_session',
    outcome: 'rejected',
    summary: 'No Olm session with the device yet: nothing is encrypted (claim a one-time key first, with getMissingSessions).',
    spec: 'beyond the spec: an Olm message needs a session, and a session needs a claimed key whose signature was checked',
    section: 'm.olm.v1.curve25519-aes-sha2',
  },
  {
    code: 'to_device.unknown_device',
    outcome: 'rejected',
    summary: 'The device is not listed by /keys/query (or no longer): nothing is encrypted for it.',
    spec: 'beyond the spec: the payload names the recipient\'s Ed25519 key (recipient_keys), which only /keys/query gives us',
    section: 'm.olm.v1.curve25519-aes-sha2',
  },
  {
    code: 'to_device.device_blocked',
    outcome: 'rejected',
    summary: 'The device\'s keys changed or it is blocked: nothing is encrypted for it.',
    spec: 'beyond the spec: a device the rules no longer trust to hold its keys must not be sent anything',
    section: 'm.olm.v1.curve25519-aes-sha2',
  },
  {
    code: 'olm_session.wedged',
    outcome: 'accepted',
    summary: "An Olm message from a known device could not be decrypted (no session, or olm refused it): a new session is made (a keys_claim request, then an m.dummy over the new session).",
    spec: 'When this happens to an Olm-encrypted message, the client should assume that the Olm session has become corrupted and create a new one to replace it. … To establish a new session, the client sends an [m.dummy](#mdummy) to-device event to the other party to notify them of the new session details.',
    section: 'm.olm.v1.curve25519-aes-sha2: Recovering from undecryptable messages',
  },
  {
    code: 'olm_session.recovery_rate_limited',
    outcome: 'flagged',
    summary: 'A wedged session with a device we made a session with less than an hour ago: no new one yet.',
    spec: 'Clients should not create a new session with another device if it has already created one for that given device in the past 1 hour.',
    section: 'm.olm.v1.curve25519-aes-sha2: Recovering from undecryptable messages',
  },
  {
    code: 'request.unknown_response',
    outcome: 'flagged',
    summary: 'A response names a request that is not pending (answered before, or never made): it is judged as its kind, but answers no request.',
    spec: 'beyond the spec: each request is answered once, so a response given twice cannot clear a device list another request is fetching',
    section: 'DESIGN.md, The impure steps',
  },
]);

/** A reason code of the `outbound` slice. */
export type OutboundCode = keyof typeof outboundCodes;
