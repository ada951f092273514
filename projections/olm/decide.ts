import { earlier, recorderFor } from '../codes.js';
import { olmCodes } from './codes.js';

/** Records a decision of the `olm` slice by code name. */
export const record = recorderFor(olmCodes);

export { earlier };
