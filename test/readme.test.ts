import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decisionTable, END, START } from '../tools/decision-table.js';
import { join } from 'node:path';
import { reasonCodes } from '../src/index.js';
import { specRoot } from './events/reference.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's testkit example sits between these markers, as one ```ts block. */
export const EXAMPLE_START = '<!-- testkit-example:start (run verbatim by test/readme.test.ts) -->';
export const EXAMPLE_END = '<!-- testkit-example:end -->';

/**
 * The testkit example exactly as the README shows it. Its copy, test/readme/testkit-example.ts,
 * is the same text importing the sources by path instead of the package by name: tsc
 * type-checks it (strict) with the rest of the suite, and the test below runs it.
 */
function readmeExample(): string {
  const start = readme.indexOf(EXAMPLE_START);
  const end = readme.indexOf(EXAMPLE_END);
  assert.ok(start >= 0 && end > start, 'the README has no testkit example between its markers');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start, end));
  assert.ok(block, 'the testkit example is not a ```ts block');
  return block[1]!;
}

describe('README', () => {
  it('gives the two commands for a fresh machine, and .ci/run runs the test one', () => {
    assert.match(readme, /npm ci && npm run demo/);
    assert.match(readme, /^npm test\b/m);
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    assert.match(ci, /^npm ci$/m);
    assert.match(ci, /^npm test$/m);
  });

  it('has a testkit example that runs verbatim: two users, a shared room key, a forged forward', async () => {
    const copy = readFileSync(fileURLToPath(new URL('../../test/readme/testkit-example.ts', import.meta.url)), 'utf8')
      .replace("from '../../src/index.js'", "from 'keyledger'")
      .replace("from '../../src/testkit/index.js'", "from 'keyledger/testkit'");
    assert.equal(readmeExample(), copy, 'test/readme/testkit-example.ts must be the README example, importing by path');
    // The compiled copy: its top-level code is the example, and its assertions are the example's.
    await import('./readme/testkit-example.js');
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

  it('quotes the spec verbatim: every quoted sentence is in the E2EE module, the secrets module, the m.room_key.withheld schema or the seed change', () => {
    // Quotes may break lines differently and drop markdown emphasis; nothing else.
    const norm = (s: string) => s.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim();
    const corpus = norm(
      [
        readFileSync(join(specRoot, 'modules/end_to_end_encryption.md'), 'utf8'),
        readFileSync(join(specRoot, 'modules/secrets.md'), 'utf8'),
        readFileSync(join(specRoot, 'event-schemas/schema/m.room_key.withheld.yaml'), 'utf8'),
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
