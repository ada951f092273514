import { readFileSync } from 'node:fs';

/** This engine's version, from package.json: recorded in the log and in every snapshot. */
export const ENGINE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
