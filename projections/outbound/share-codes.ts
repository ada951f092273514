import { defineCodes } from '../codes.js';

const MEGOLM = 'm.megolm.v1.aes-sha2';
const SHARE = 'When creating a Megolm session in a room, clients must share the corresponding session key using Olm with the intended recipients, so that they can decrypt future messages encrypted using this session.';
const MUST_ROTATE = 'clients MUST rotate their outgoing Megolm session (i.e. discard the existing session, and create and share a new session before sending more room messages)';
const LEAVE = 'A user or device that was previously participating in the room, and may have received a copy of the decryption keys for the session, is seen to leave the room.';
const WITHHELD_UNVERIFIED = 'When sending room keys, clients can use a [`m.room_key.withheld`](#mroom_keywithheld) message with a code of `m.unverified` to indicate to the non-cross-signed device why it is not receiving the room key.';
const SECURITY = 'Recommended client behaviour';

/**
 * Reason codes of our own room keys (the `outbound` slice): who gets the room's outbound
 * Megolm session, per device, under the sharing strategy (`projections/megolm/share-policy.ts`);
 * why the session rotates; what we encrypt with it. Quotes joined by ` … ` are each verbatim.
 */
export const shareCodes = defineCodes([
  {
    code: 'room_key_share.shared',
    outcome: 'accepted',
    summary: 'The device passes the sharing strategy and we share an Olm session with it: the room key (m.room_key, at the session\'s current index) is Olm-encrypted for it in a to_device request.',
    spec: SHARE,
    section: MEGOLM,
  },
  {
    code: 'room_key_share.awaiting_session',
    outcome: 'accepted',
    summary: 'The device passes the sharing strategy but we share no Olm session with it: a one-time key is claimed for it (keys_claim, with the share), and the key is sent once the session is made.',
    spec: 'beyond the spec: an m.room_key goes over Olm only, and an Olm session needs a claimed one-time key whose signature was checked',
    section: MEGOLM,
  },
  {
    code: 'room_key_share.no_olm',
    outcome: 'rejected',
    summary: 'No Olm session could be made with the device (the server gave no one-time key for it): it gets no room key, and m.room_key.withheld with m.no_olm.',
    spec: 'beyond the spec: the spec defines m.no_olm, "an olm session could not be established", in the m.room_key.withheld schema',
    section: 'Reporting that decryption keys are withheld',
  },
  {
    code: 'room_key_share.no_olm_already_sent',
    outcome: 'rejected',
    summary: 'Still no Olm session could be made with the device, and it was already told m.no_olm with no Olm session made with it since: it gets no room key, and no second m.room_key.withheld.',
    spec: 'If the sender retries and fails to create an olm session again in the future, it should not send another `m.room_key.withheld` message with a `code` of `m.no_olm`, unless another olm session was previously established successfully.',
    section: 'm.room_key.withheld',
  },
  {
    code: 'room_key_share.unverified',
    outcome: 'rejected',
    summary: 'The strategy is "verified devices only" and the device is not verified (by the user, or cross-signed by a verified identity): no room key, m.room_key.withheld with m.unverified.',
    spec: WITHHELD_UNVERIFIED,
    section: SECURITY,
  },
  {
    code: 'room_key_share.not_cross_signed',
    outcome: 'rejected',
    summary: 'The strategy is "cross-signed devices only" and the device is not cross-signed by its owner\'s identity (nor verified): no room key, m.room_key.withheld with m.unverified.',
    spec: `Clients SHOULD NOT send encrypted [to-device](#send-to-device-messaging) messages, such as [room keys](#sharing-keys-between-devices) or [secrets](#secrets) (via [Secret Sharing](#sharing)), to [non-cross-signed](#cross-signing) devices by default. … ${WITHHELD_UNVERIFIED}`,
    section: SECURITY,
  },
  {
    code: 'room_key_share.blocked',
    outcome: 'rejected',
    summary: 'The device is blocked (its keys changed, or its ID collides with a cross-signing key): it never gets a room key, whatever the strategy; m.room_key.withheld with m.blacklisted.',
    spec: 'beyond the spec: a device the rules no longer trust to hold its keys may be an attacker\'s, and must not be able to read the room',
    section: SECURITY,
  },
  {
    code: 'room_key_share.identity_changed',
    outcome: 'rejected',
    summary: 'The device\'s user changed their cross-signing identity and the change was not approved: none of their devices gets the room key, whatever the strategy, until it is; m.room_key.withheld with m.unverified.',
    spec: "Bob's devices SHOULD inform him of Alice's key change and SHOULD prevent him from sending an encrypted message to Alice without acknowledging the change.",
    section: SECURITY,
  },
  {
    code: 'megolm_out.session_created',
    outcome: 'accepted',
    summary: 'The room had no outbound session of ours: a new one is made (its key sealed in the vault, never logged) and shared.',
    spec: SHARE,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_period_ms',
    outcome: 'accepted',
    summary: 'The session has been in use for rotation_period_ms (default: a week): a new one is made and shared.',
    spec: `${MUST_ROTATE} … The existing session has been in use for longer than the period specified in \`rotation_period_ms\` in the [\`m.room.encryption\`](#mroomencryption) room state event, or an appropriate default.`,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_period_msgs',
    outcome: 'accepted',
    summary: 'The session has encrypted rotation_period_msgs events (default: 100): a new one is made and shared.',
    spec: `${MUST_ROTATE} … The existing session has been used to encrypt as many messages as specified in \`rotation_period_msgs\` in the [\`m.room.encryption\`](#mroomencryption) room state event, or an appropriate default.`,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_member_left',
    outcome: 'accepted',
    summary: 'A user who holds the session is no longer among the room\'s members the client shares with: a new session is made and shared.',
    spec: `${MUST_ROTATE} … ${LEAVE}`,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_device_removed',
    outcome: 'accepted',
    summary: 'A device that holds the session is no longer listed by /keys/query (deleted): a new session is made and shared.',
    spec: `${MUST_ROTATE} … ${LEAVE}`,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_device_blocked',
    outcome: 'accepted',
    summary: 'A device that holds the session is blocked now (its keys changed, its ID collides, or its user\'s identity changed unapproved): a new session is made and shared without it.',
    spec: 'beyond the spec: a device we no longer trust must not read what we send from now on, so the key it holds is retired',
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_trust_dropped',
    outcome: 'accepted',
    summary: 'A device that holds the session falls below the sharing strategy now: a new session is made and shared without it.',
    spec: 'beyond the spec: the strategy says who may read the room from now on, so a key held by a device it leaves out is retired',
    section: MEGOLM,
  },
  {
    code: 'megolm_out.rotate_discarded',
    outcome: 'accepted',
    summary: 'The client discarded the room\'s session (discardRoomKey, the Rust SDK\'s invalidateGroupSession): the next share makes a new one.',
    spec: `${MUST_ROTATE}`,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.encrypted',
    outcome: 'accepted',
    summary: 'A room event was encrypted with the room\'s outbound session: the log keeps the session, the index, the event type and the ciphertext\'s hash, never the content.',
    spec: 'beyond the spec: the log is the whole truth of who could read what, so every index we encrypt at is recorded',
    section: 'DESIGN.md, The impure steps',
  },
  {
    code: 'megolm_out.no_session',
    outcome: 'rejected',
    summary: 'The room has no outbound session to encrypt with (never shared, or discarded): nothing is encrypted; share the room key first.',
    spec: SHARE,
    section: MEGOLM,
  },
  {
    code: 'megolm_out.session_expired',
    outcome: 'rejected',
    summary: 'The room\'s session is due for rotation (its period, its message count, or a device it must not reach): nothing is encrypted; share the room key again, which rotates it.',
    spec: MUST_ROTATE,
    section: MEGOLM,
  },
]);

/** A reason code of our own room keys. */
export type ShareCode = keyof typeof shareCodes;
