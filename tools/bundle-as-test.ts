import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeBundle, type IncidentBundle } from '../src/index.js';

/** This package's folder (the CLI runs from `dist/tools/`), if it is keyledger's. */
function packageRoot(): string | undefined {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string }).name === 'keyledger' ? root : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the generated test imports keyledger from. A `.ts` file inside this repository
 * imports `src/index.js` by a relative path, as the repo's own tests do: tsc compiles it
 * into `dist/` beside `dist/src/`, so the path holds there too. Anything else (a `.js`/`.mjs`
 * file, stdout, a file outside the repository) imports the package by name, `keyledger`,
 * which Node resolves inside this repository (a package may import itself by name) and in
 * any project that depends on keyledger.
 */
export function defaultImport(out: string | undefined): string {
  const root = packageRoot();
  if (out === undefined || !out.endsWith('.ts') || root === undefined) return 'keyledger';
  const abs = resolve(out);
  if (!abs.startsWith(root) || abs.startsWith(join(root, 'node_modules') + sep)) return 'keyledger';
  const path = relative(dirname(abs), join(root, 'src', 'index.js')).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

const row = (values: readonly unknown[]) => `      ${JSON.stringify(values)},`;

/**
 * A mocha regression test (ES module; valid TypeScript and JavaScript alike: no type
 * annotations) that embeds `bundle`, replays it with the reducers of the keyledger it
 * imports, and asserts the bundle's decisions (seq, code, outcome, subject) and its state
 * hash at every checkpoint. Fingerprints are not asserted: the test fails on behaviour.
 */
export function bundleTestSource(bundle: IncidentBundle, importFrom: string): string {
  const { from, to } = bundle.range;
  const title = `incident bundle, seqs ${from}..${to}`;
  return [
    `// Made by \`keyledger bundle --as-test\` (keyledger ${bundle.fingerprints.engine}) from an ${title}.`,
    `// It replays the bundled entries from the bundled base state with today's reducers and`,
    `// expects the same decisions and state hashes. When a rule changes on purpose, make the`,
    `// bundle again and regenerate this file. Secrets were redacted in the bundle.`,
    `import { strict as assert } from 'node:assert';`,
    `import { replayBundle } from ${JSON.stringify(importFrom)};`,
    ``,
    `describe(${JSON.stringify(`${title} (keyledger bundle --as-test)`)}, () => {`,
    `  it('replays to the recorded decisions', async () => {`,
    `    const { decisions } = await replayBundle(BUNDLE);`,
    `    assert.deepEqual(decisions.map((d) => [d.seq, d.code, d.outcome, d.subject]), [`,
    ...bundle.decisions.map((d) => row([d.seq, d.code, d.outcome, d.subject])),
    `    ]);`,
    `  });`,
    ``,
    `  it('replays to the recorded state hash at every checkpoint', async () => {`,
    `    const { checkpoints } = await replayBundle(BUNDLE);`,
    `    assert.deepEqual(checkpoints.map((c) => [c.seq, c.stateHash]), [`,
    ...bundle.checkpoints.map((c) => row([c.seq, c.stateHash])),
    `    ]);`,
    `  });`,
    `});`,
    ``,
    `const BUNDLE = ${serializeBundle(bundle).trimEnd()};`,
    ``,
  ].join('\n');
}
