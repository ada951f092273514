/** Every code of the gossip slice is decided by the slice and exercised by a test. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gossipCodes } from '../../../projections/gossip/codes.js';

const root = process.cwd();
const read = (dir: string, suffix: string) =>
  readdirSync(join(root, dir)).filter((f) => f.endsWith(suffix) && f !== 'codes.ts').map((f) => readFileSync(join(root, dir, f), 'utf8')).join('\n');

describe('gossip: reason codes', () => {
  it('every gossip code is decided by the slice and exercised by a test', () => {
    const source = read('projections/gossip', '.ts');
    const tests = read('test/projections/gossip', '.test.ts');
    for (const code of Object.keys(gossipCodes)) {
      assert.ok(source.includes(`'${code}'`), `${code} is never decided`);
      assert.ok(tests.includes(`'${code}'`), `${code} has no test`);
    }
  });
});
