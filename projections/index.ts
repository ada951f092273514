import type { ReasonCode } from './codes.js';
import { backupCodes } from './backup/codes.js';
import { backupSlice } from './backup/slice.js';
import { logCodes } from './log/codes.js';
import { gossipCodes } from './gossip/codes.js';
import { gossipSlice } from './gossip/slice.js';
import { identityCodes } from './identities/codes.js';
import { ownCrossSigningCodes } from './identities/own-codes.js';
import { identitiesSlice } from './identities/slice.js';
import { logSlice } from './log/slice.js';
import { megolmCodes } from './megolm/codes.js';
import { megolmSlice } from './megolm/slice.js';
import { olmCodes } from './olm/codes.js';
import { olmSlice } from './olm/slice.js';
import { outboundCodes } from './outbound/codes.js';
import { shareCodes } from './outbound/share-codes.js';
import { requestCodes } from './outbound/request-codes.js';
import { outboundSlice } from './outbound/slice.js';
import type { AnySlice } from './slice.js';
import { verificationCodes } from './verification/codes.js';
import { verificationSlice } from './verification/slice.js';

/**
 * Every slice, in fold order. A slice may read the ones before it (through their
 * selectors) with this entry already applied.
 */
export const defaultSlices: readonly AnySlice[] = [logSlice, identitiesSlice, olmSlice, megolmSlice, verificationSlice, gossipSlice, outboundSlice, backupSlice];

/** Every reason code a slice can decide, with the spec sentence it enforces. */
export const reasonCodes: readonly ReasonCode[] = [
  ...Object.values(logCodes),
  ...Object.values(identityCodes),
  ...Object.values(olmCodes),
  ...Object.values(megolmCodes),
  ...Object.values(outboundCodes),
  ...Object.values(shareCodes),
  ...Object.values(gossipCodes),
  ...Object.values(backupCodes),
  ...Object.values(verificationCodes),
  ...Object.values(ownCrossSigningCodes),
  ...Object.values(requestCodes),
];
