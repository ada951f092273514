/** Every code of the olm and megolm slices is decided by its slice and exercised by a test. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { megolmCodes } from '../../../projections/megolm/codes.js';
import { olmCodes } from '../../../projections/olm/codes.js';

const root = process.cwd();
const read = (dir: string, suffix: string) =>
  readdirSync(join(root, dir)).filter((f) => f.endsWith(suffix) && f !== 'codes.ts').map((f) => readFileSync(join(root, dir, f), 'utf8')).join('\n');

describe('olm and megolm: reason codes', () => {
  for (const [slice, list] of [['olm', olmCodes], ['megolm', megolmCodes]] as const) {
    it(`every ${slice} code is decided by the slice and exercised by a test`, () => {
      const source = read(`projections/${slice}`, '.ts');
      const tests = read('test/projections/olm', '.test.ts') + read('test/projections/megolm', '.test.ts');
      for (const code of Object.keys(list)) {
        assert.ok(source.includes(`'${code}'`), `${code} is never decided`);
        assert.ok(tests.includes(`'${code}'`), `${code} has no test`);
      }
    });
  }
});
