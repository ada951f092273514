/**
 * Key verification (`m.key.verification.*`). Each step has the same fields in both
 * transports; only the flow identifier differs: `transaction_id` to-device,
 * `m.relates_to` (an `m.reference` to the request event) in a room. So each step is
 * one codec of its own fields, combined with a form by {@link toDevice} or {@link inRoom}.
 */
import * as t from 'io-ts';
import { Integer, StringMap } from './codec.js';
import { KeyVerificationStartContent } from './verification-start.js';

/** In-room flows point at the `m.room.message` request event. */
export const VerificationRelatesTo = t.type({ rel_type: t.literal('m.reference'), event_id: t.string }, 'VerificationRelatesTo');
export type VerificationRelatesTo = t.TypeOf<typeof VerificationRelatesTo>;

/** The to-device flow identifier. */
export const ToDeviceFlow = t.type({ transaction_id: t.string }, 'ToDeviceFlow');
/** The in-room flow identifier. */
export const InRoomFlow = t.type({ 'm.relates_to': VerificationRelatesTo }, 'InRoomFlow');

/** A step's content as sent to-device. */
export type ToDevice<C> = C & t.TypeOf<typeof ToDeviceFlow>;
/** A step's content as sent in a room. */
export type InRoom<C> = C & t.TypeOf<typeof InRoomFlow>;

/** The to-device form of a step codec. */
export function toDevice<C extends t.Mixed>(step: C): t.Type<ToDevice<t.TypeOf<C>>, ToDevice<t.TypeOf<C>>, unknown> {
  return t.intersection([step, ToDeviceFlow], `ToDevice<${step.name}>`);
}

/** The in-room form of a step codec. */
export function inRoom<C extends t.Mixed>(step: C): t.Type<InRoom<t.TypeOf<C>>, InRoom<t.TypeOf<C>>, unknown> {
  return t.intersection([step, InRoomFlow], `InRoom<${step.name}>`);
}

/**
 * `m.key.verification.request`, to-device only (in a room the request is an
 * `m.room.message`). `timestamp` is required to-device: the engine ignores requests
 * too far from the receipt time.
 */
export const KeyVerificationRequestContent = t.type({
  from_device: t.string,
  methods: t.array(t.string),
  timestamp: Integer,
}, 'KeyVerificationRequestContent');
export type KeyVerificationRequestContent = t.TypeOf<typeof KeyVerificationRequestContent>;

/** `m.room.message` with `msgtype: "m.key.verification.request"`: the in-room request. */
export const KeyVerificationRequestMessageContent = t.intersection([
  t.type({
    msgtype: t.literal('m.key.verification.request'),
    from_device: t.string,
    methods: t.array(t.string),
    /** The only user who may respond. */
    to: t.string,
  }),
  t.partial({ body: t.string, format: t.string, formatted_body: t.string }),
], 'KeyVerificationRequestMessageContent');
export type KeyVerificationRequestMessageContent = t.TypeOf<typeof KeyVerificationRequestMessageContent>;

/** `m.key.verification.ready`. */
export const KeyVerificationReadyContent = t.type({ from_device: t.string, methods: t.array(t.string) }, 'KeyVerificationReadyContent');
export type KeyVerificationReadyContent = t.TypeOf<typeof KeyVerificationReadyContent>;

/**
 * `m.key.verification.accept` (SAS): the chosen options and the commitment to our key.
 * `method` is optional: the Rust SDK leaves it out (the flow's start names the method).
 */
export const KeyVerificationAcceptContent = t.intersection([
  t.type({
    key_agreement_protocol: t.string,
    hash: t.string,
    message_authentication_code: t.string,
    short_authentication_string: t.array(t.string),
    commitment: t.string,
  }),
  t.partial({ method: t.string }),
], 'KeyVerificationAcceptContent');
export type KeyVerificationAcceptContent = t.TypeOf<typeof KeyVerificationAcceptContent>;

/** `m.key.verification.key`: the sender's ephemeral public key. */
export const KeyVerificationKeyContent = t.type({ key: t.string }, 'KeyVerificationKeyContent');
export type KeyVerificationKeyContent = t.TypeOf<typeof KeyVerificationKeyContent>;

/** `m.key.verification.mac`: key ID → MAC, and the MAC of the sorted key ID list. */
export const KeyVerificationMacContent = t.type({ mac: StringMap, keys: t.string }, 'KeyVerificationMacContent');
export type KeyVerificationMacContent = t.TypeOf<typeof KeyVerificationMacContent>;

/** `m.key.verification.done`: no fields besides the flow identifier. */
export const KeyVerificationDoneContent = t.type({}, 'KeyVerificationDoneContent');
export type KeyVerificationDoneContent = t.TypeOf<typeof KeyVerificationDoneContent>;

/** `m.key.verification.cancel`: `code` is a string, not an enum, so new codes decode. */
export const KeyVerificationCancelContent = t.type({ code: t.string, reason: t.string }, 'KeyVerificationCancelContent');
export type KeyVerificationCancelContent = t.TypeOf<typeof KeyVerificationCancelContent>;

/** The steps that exist in both transports, by event type. */
const steps = {
  'm.key.verification.ready': KeyVerificationReadyContent,
  'm.key.verification.start': KeyVerificationStartContent,
  'm.key.verification.accept': KeyVerificationAcceptContent,
  'm.key.verification.key': KeyVerificationKeyContent,
  'm.key.verification.mac': KeyVerificationMacContent,
  'm.key.verification.done': KeyVerificationDoneContent,
  'm.key.verification.cancel': KeyVerificationCancelContent,
} as const;

type Steps = typeof steps;

/** Content codecs of the to-device verification events, by event type. */
export const verificationToDeviceContent = {
  'm.key.verification.request': toDevice(KeyVerificationRequestContent),
  'm.key.verification.ready': toDevice(steps['m.key.verification.ready']),
  'm.key.verification.start': toDevice(steps['m.key.verification.start']),
  'm.key.verification.accept': toDevice(steps['m.key.verification.accept']),
  'm.key.verification.key': toDevice(steps['m.key.verification.key']),
  'm.key.verification.mac': toDevice(steps['m.key.verification.mac']),
  'm.key.verification.done': toDevice(steps['m.key.verification.done']),
  'm.key.verification.cancel': toDevice(steps['m.key.verification.cancel']),
};

/** Content codecs of the in-room verification events, by event type (the request is an `m.room.message`). */
export const verificationInRoomContent: { [K in keyof Steps]: t.Type<InRoom<t.TypeOf<Steps[K]>>, InRoom<t.TypeOf<Steps[K]>>, unknown> } = {
  'm.key.verification.ready': inRoom(steps['m.key.verification.ready']),
  'm.key.verification.start': inRoom(steps['m.key.verification.start']),
  'm.key.verification.accept': inRoom(steps['m.key.verification.accept']),
  'm.key.verification.key': inRoom(steps['m.key.verification.key']),
  'm.key.verification.mac': inRoom(steps['m.key.verification.mac']),
  'm.key.verification.done': inRoom(steps['m.key.verification.done']),
  'm.key.verification.cancel': inRoom(steps['m.key.verification.cancel']),
};
