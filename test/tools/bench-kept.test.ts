import { strict as assert } from 'node:assert';
import { keepHandWritten } from '../../tools/bench/util.js';

describe('npm run bench: writing BENCHMARKS.md', () => {
  it('carries each hand-written "(kept)" subsection over to the end of its section, and drops the rest of the old file', () => {
    const previous = ['# Benchmarks', '', '## Ingest', '', 'old figures', '', '### Before and after (kept)', '', '| a | b |', '', '### A generated part', 'old', '', '## Room events', '', 'old', '### Profile findings (kept)', 'hot: fold', ''].join('\n');
    const next = ['# Benchmarks', '', '## Ingest', '', 'new figures', '', '## Room events', '', 'new', '', '## Replay', '', 'new', ''].join('\n');
    assert.equal(
      keepHandWritten(previous, next),
      ['# Benchmarks', '', '## Ingest', '', 'new figures', '', '### Before and after (kept)', '', '| a | b |', '', '## Room events', '', 'new', '', '### Profile findings (kept)', 'hot: fold', '', '## Replay', '', 'new', ''].join('\n'),
    );
    assert.equal(keepHandWritten('', next), next);
  });
});
