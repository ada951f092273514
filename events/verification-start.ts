/**
 * `m.key.verification.start`, whose fields depend on its `method`
 * (`m.sas.v1`, `m.reciprocate.v1`, or one we do not implement).
 */
import * as t from 'io-ts';
import { dispatchOn } from './codec.js';

/** `m.key.verification.start` with `method: "m.sas.v1"`. */
export const SasV1StartContent = t.type({
  from_device: t.string,
  method: t.literal('m.sas.v1'),
  key_agreement_protocols: t.array(t.string),
  hashes: t.array(t.string),
  message_authentication_codes: t.array(t.string),
  // Not restricted to decimal|emoji: unknown SAS kinds are ignored, not fatal.
  short_authentication_string: t.array(t.string),
}, 'SasV1StartContent');
export type SasV1StartContent = t.TypeOf<typeof SasV1StartContent>;

/** `m.key.verification.start` with `method: "m.reciprocate.v1"` (after scanning a QR code). */
export const ReciprocateV1StartContent = t.type({
  from_device: t.string,
  method: t.literal('m.reciprocate.v1'),
  /** The shared secret from the QR code, unpadded base64. */
  secret: t.string,
}, 'ReciprocateV1StartContent');
export type ReciprocateV1StartContent = t.TypeOf<typeof ReciprocateV1StartContent>;

/** `m.key.verification.start` with a method we do not implement. */
export const GenericStartContent = t.intersection([
  t.type({ from_device: t.string, method: t.string }),
  t.partial({ next_method: t.string }),
], 'GenericStartContent');
export type GenericStartContent = t.TypeOf<typeof GenericStartContent>;

/**
 * `m.key.verification.start`, dispatched by `method`. An unknown method still decodes
 * (as {@link GenericStartContent}): the verification rules must answer it with
 * `m.unknown_method`, which they cannot do for an input the decoder rejected.
 */
export const KeyVerificationStartContent = dispatchOn('KeyVerificationStartContent', {
  key: 'method',
  branches: { 'm.sas.v1': SasV1StartContent, 'm.reciprocate.v1': ReciprocateV1StartContent },
  otherwise: GenericStartContent,
});
export type KeyVerificationStartContent = t.TypeOf<typeof KeyVerificationStartContent>;
