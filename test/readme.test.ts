import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { decisionTable, END, START } from '../tools/decision-table.js';
import { join } from 'node:path';
import { reasonCodes } from '../src/index.js';
import { specRoot } from './events/reference.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('gives the two commands for a fresh machine, and .ci/run runs the test one', () => {
    assert.match(readme, /npm ci && npm run demo/);
    assert.match(readme, /^npm test\b/m);
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    assert.match(ci, /^npm ci$/m);
    assert.match(ci, /^npm test$/m);
  });

  it('has the decision table as generated from the reason codes (npm run decision-table)', () => {
    const table = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    assert.equal(table, decisionTable());
  });

  it('quotes a spec sentence or says why a rule goes beyond the spec, for every code', () => {
    for (const c of reasonCodes) {
      assert.ok(c.spec.length > 20, `${c.code} has no spec sentence`);
      assert.ok(c.section.length > 0, `${c.code} names no section`);
    }
  });

  it('quotes the spec verbatim: every quoted sentence is in the E2EE module, the secrets module or the seed change', () => {
    // Quotes may break lines differently and drop markdown emphasis; nothing else.
    const norm = (s: string) => s.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim();
    const corpus = norm(
      [
        readFileSync(join(specRoot, 'modules/end_to_end_encryption.md'), 'utf8'),
        readFileSync(join(specRoot, 'modules/secrets.md'), 'utf8'),
        readFileSync(join(specRoot, '../spec-change-e2ee-security.diff.txt'), 'utf8').replace(/^[+-]/gm, ''),
      ].join('\n'),
    );
    for (const c of reasonCodes) {
      if (c.spec.startsWith('beyond the spec')) continue;
      for (const quote of c.spec.split(' … ')) {
        assert.ok(corpus.includes(norm(quote)), `${c.code}: not found verbatim in the spec: "${quote}"`);
      }
    }
  });
});
