import { strict as assert } from 'node:assert';
import { attempt, OLM_ERROR_CODES, OlmFailure, olmFailure } from '../../../src/crypto/failure.js';
import { InboundMegolmSession } from '../../../src/crypto/megolm-session.js';
import { loadOlm } from '../../../src/crypto/olm.js';

describe('crypto adapter: olm failures as values', () => {
  it('names the failure by olm error name, and nothing else of the message', () => {
    assert.equal(olmFailure(new Error('OLM.BAD_MESSAGE_MAC')).code, 'OLM.BAD_MESSAGE_MAC');
    assert.equal(olmFailure(new Error('prefix OLM.OLM_INPUT_BUFFER_TOO_SMALL suffix')).code, 'OLM.OLM_INPUT_BUFFER_TOO_SMALL');
    assert.equal(olmFailure('OLM.UNKNOWN_MESSAGE_INDEX').code, 'OLM.UNKNOWN_MESSAGE_INDEX');
    // As logs have always recorded it.
    assert.equal(olmFailure(new Error('OLM.INVALID_BASE64')).code, 'OLM.INVALID_BASE');
  });

  it('OLM.UNKNOWN_ERROR for a failure that names no olm error, or one olm does not have', () => {
    assert.equal(olmFailure(new RangeError('Maximum call stack size exceeded')).code, 'OLM.UNKNOWN_ERROR');
    assert.equal(olmFailure(new Error('OLM.NOT_A_REAL_NAME')).code, 'OLM.UNKNOWN_ERROR');
    assert.equal(olmFailure(undefined).code, 'OLM.UNKNOWN_ERROR');
  });

  it('every code is an OLM. name, listed once', () => {
    assert.equal(new Set(OLM_ERROR_CODES).size, OLM_ERROR_CODES.length);
    for (const code of OLM_ERROR_CODES) assert.match(code, /^OLM\.[A-Z_]+$/);
  });

  it('attempt returns the value, or the failure instead of throwing it', () => {
    assert.equal(attempt(() => 7), 7);
    const failed = attempt(() => {
      throw new Error('OLM.BAD_SESSION_KEY');
    });
    assert.ok(failed instanceof OlmFailure);
    assert.equal(failed.code, 'OLM.BAD_SESSION_KEY');
  });

  it('an inbound Megolm session reports what olm refused as a value', async () => {
    const olm = await loadOlm();
    const bad = InboundMegolmSession.import(olm, 'AAAA', 'shared');
    assert.ok(bad instanceof OlmFailure && bad.code === 'OLM.BAD_SESSION_KEY');
    const out = new olm.OutboundGroupSession();
    out.create();
    const early = out.encrypt('{}');
    const session = InboundMegolmSession.import(olm, out.session_key(), 'shared');
    out.free();
    assert.ok(!(session instanceof OlmFailure));
    try {
      assert.equal(session.firstKnownIndex(), 1);
      assert.equal((session.decrypt(early) as OlmFailure).code, 'OLM.UNKNOWN_MESSAGE_INDEX');
      assert.ok(session.exportAt(0) instanceof OlmFailure, 'no export below the first known index');
      assert.equal(typeof session.exportAt(1), 'string');
    } finally {
      session.free();
    }
  });
});
