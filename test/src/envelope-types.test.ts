import { strict as assert } from 'node:assert';
import { InputDecodeError, openLedger, type Envelope, type IngestResult, type Ledger, type UserActionEnvelope } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The envelope type is the README's table, checked by the compiler: `npm test` compiles
 * this file, so each `@ts-expect-error` line below fails the build if the typo it holds
 * ever type-checks again (a typo must be a compile error, not a permanent
 * `rejected_input` in the log).
 */

// The README's user actions, verbatim apart from the placeholders: each one type-checks.
const readmeActions: readonly UserActionEnvelope[] = [
  { kind: 'user_action', action: 'verify_device', user_id: '@alice:example.org', device_id: 'ALICELAPTOP', ed25519: 'KEY' },
  { kind: 'user_action', action: 'verify_identity', user_id: '@alice:example.org', master_key: 'MASTER' },
  { kind: 'user_action', action: 'approve_identity', user_id: '@alice:example.org', master_key: 'MASTER' },
  { kind: 'user_action', action: 'request_room_key', room_id: '!r:example.org', session_id: 'SESSION', sender_key: 'SENDER', request_id: 'REQ' },
  { kind: 'user_action', action: 'request_room_key', room_id: '!r:example.org', session_id: 'SESSION', received_at: 1_700_000_000_000 },
];

/** Typos a client could make; each must be a compile error. Never called: it only has to compile. */
export function typosAreCompileErrors(ledger: Ledger): Promise<IngestResult>[] {
  return [
    // @ts-expect-error a misspelt field of verify_device (`device` for `device_id`)
    ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: '@a:x', device: 'D', ed25519: 'K' }),
    // @ts-expect-error a field of another action (`master_key` on verify_device)
    ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: '@a:x', device_id: 'D', ed25519: 'K', master_key: 'M' }),
    // @ts-expect-error a missing field (`ed25519`, the key compared out of band)
    ledger.ingest({ kind: 'user_action', action: 'verify_device', user_id: '@a:x', device_id: 'D' }),
    // @ts-expect-error an unknown action
    ledger.ingest({ kind: 'user_action', action: 'verify_devices', user_id: '@a:x', device_id: 'D', ed25519: 'K' }),
    // @ts-expect-error an unknown kind
    ledger.ingest({ kind: 'to-device', event: { type: 'm.dummy', sender: '@a:x', content: {} } }),
    // @ts-expect-error room_event without its room_id
    ledger.ingest({ kind: 'room_event', event: { event_id: '$e', sender: '@a:x', origin_server_ts: 1, type: 'm.room.message', content: {} } }),
    // @ts-expect-error received_at is milliseconds, a number
    ledger.ingest({ kind: 'keys_query', response: {}, received_at: '2025-11-27' }),
    // @ts-expect-error raw text goes to ingestUnknown
    ledger.ingest('{"kind":"keys_query","response":{}}'),
    // @ts-expect-error so do arrays of anything
    ledger.ingestMany([{ kind: 'user_action', action: 'approve_identity', user_id: '@a:x' }]),
  ];
}

describe('the ingest envelope type', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('types every README user action, and the engine takes each as typed (none is rejected)', async () => {
    const ledger = await openLedger({ path: dir.path, userId: '@bob:example.org', deviceId: 'BOBPHONE', unencryptedVault: true });
    try {
      const outcomes = await ledger.ingestMany(readmeActions);
      assert.deepEqual(outcomes.map((o) => o.ok), readmeActions.map(() => true));
      const typed: Envelope[] = [
        { kind: 'keys_query', response: { device_keys: {}, failures: {} } },
        { kind: 'to_device', event: { type: 'm.dummy', sender: '@alice:example.org', content: {} } },
        { kind: 'room_event', room_id: '!r:example.org', event: { event_id: '$e', sender: '@alice:example.org', origin_server_ts: 1, type: 'm.room.message', content: { body: 'hi' } } },
      ];
      for (const envelope of typed) assert.equal((await ledger.ingest(envelope)).seq, ledger.headSeq());
      assert.deepEqual(await ledger.decisions({ code: 'input.rejected' }), []);
    } finally {
      await ledger.close();
    }
  });

  it('keeps an untyped entry point for raw text and untrusted objects, checked at run time', async () => {
    const ledger = await openLedger({ path: dir.path, userId: '@bob:example.org', deviceId: 'BOBPHONE', unencryptedVault: true });
    try {
      const fromText = await ledger.ingestUnknown('{"kind":"keys_query","response":{}}');
      assert.equal(fromText.seq, 1);
      const typo: unknown = JSON.parse('{"kind":"user_action","action":"verify_device","user_id":"@a:x","device":"D","ed25519":"K"}');
      await assert.rejects(ledger.ingestUnknown(typo), (err: unknown) => err instanceof InputDecodeError && err.path === 'device_id');
      const [ok, bad] = await ledger.ingestManyUnknown(['{"kind":"keys_query","response":{}}', 'not json']);
      assert.equal(ok!.ok, true);
      assert.equal(bad!.ok, false);
    } finally {
      await ledger.close();
    }
  });
});
