import { identitiesSlice } from './identities/slice.js';
import { logSlice } from './log/slice.js';
import type { AnySlice } from './slice.js';

/**
 * Every slice, in fold order. A slice may read the ones before it (through their
 * selectors) with this entry already applied.
 */
export const defaultSlices: readonly AnySlice[] = [logSlice, identitiesSlice];
