import { strict as assert } from 'node:assert';
import { REDACTED, redactRawText, redactSecrets } from '../../src/index.js';

describe('redaction', () => {
  it('replaces every secret field, at any depth, and leaves the rest', () => {
    const out = redactSecrets({ a: 1, content: { session_key: 'AgAAAA', room_id: '!r:s', nested: [{ private_key: 'pk', public_key: 'pub' }] }, secret: 's' });
    assert.deepEqual(out, { a: 1, content: { session_key: REDACTED, room_id: '!r:s', nested: [{ private_key: REDACTED, public_key: 'pub' }] }, secret: REDACTED });
  });

  it('redacts raw text that does not parse, quoted, unterminated or bare', () => {
    for (const raw of ['{"session_key":"SECRET"', '{"session_key": SECRET}', '{"x":1,"secret":"SEC\\"RET', '[{"private_key":SECRET,']) {
      assert.doesNotMatch(redactRawText(raw), /SEC/, raw);
    }
    assert.equal(redactRawText('{"room_id":"!r:s"'), '{"room_id":"!r:s"');
  });

  it('redacts the raw text of a rejected input inside an entry', () => {
    const entry = { kind: 'rejected_input', payload: { raw: '{"session_key":"SECRET", oops', path: '', message: 'invalid JSON' } };
    assert.doesNotMatch(JSON.stringify(redactSecrets(entry)), /SECRET/);
  });
});
