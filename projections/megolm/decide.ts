import { earlier, recorderFor } from '../codes.js';
import { megolmCodes } from './codes.js';

/** Records a decision of the `megolm` slice by code name. */
export const record = recorderFor(megolmCodes);

export { earlier };
