/**
 * What olm refuses is logged by olm's error name: the `reason` and `detail` of an
 * `olm_undecryptable` fact, the `reason` and `detail` of a `megolm_undecryptable` one, the
 * `error` of a room key that does not import. These texts are in every log written so far:
 * they must not change when the crypto adapter does.
 */
import { strict as assert } from 'node:assert';
import type { Ledger, LedgerEntry } from '../../../src/index.js';
import type { MegolmUndecryptablePayload, OlmDecryptedPayload, OlmUndecryptablePayload } from '../../../events/facts.js';
import { SimDevice, type OlmToDeviceEvent } from '../../../src/testkit/index.js';
import { ledgerRecipient } from '../../helpers/peers.js';
import { LedgerWorld } from '../../helpers/slices.js';

const ROOM = '!room:example.org';

async function factOf(ledger: Ledger, event: unknown): Promise<LedgerEntry> {
  const r = await ledger.ingestUnknown(event);
  assert.equal(r.seqs.length, 2, 'the input and its fact');
  const [, fact] = await ledger.entries({ from: r.seq, to: r.seq + 1 });
  return fact!;
}

/** The same event with its one ciphertext's `type` and `body` changed. */
function withMessage(event: OlmToDeviceEvent, change: (m: { type: number; body: string }) => { type: number; body: string }): OlmToDeviceEvent {
  const [[key, message]] = Object.entries(event.content.ciphertext) as [[string, { type: number; body: string }]];
  return { ...event, content: { ...event.content, ciphertext: { [key]: change(message) } } } as OlmToDeviceEvent;
}

/** Flips one character in the middle of a base64 text (still base64). */
function flip(body: string): string {
  const i = Math.floor(body.length / 2);
  return body.slice(0, i) + (body[i] === 'A' ? 'B' : 'A') + body.slice(i + 1);
}

describe('ingestion: olm failures are logged by olm error name', () => {
  let world: LedgerWorld;
  let ledger: Ledger;
  let alice: SimDevice;
  beforeEach(async () => {
    world = await LedgerWorld.create();
    ledger = world.ledger;
    alice = await SimDevice.create('@alice:example.org', 'ALICE');
  });
  afterEach(async () => {
    await world.free();
    alice.free();
  });

  it('Olm: no_session / OLM.NO_SESSION for a normal message from a sender we have no session with', async () => {
    const event = withMessage(alice.encryptToDevice(await ledgerRecipient(ledger), 'm.dummy', {}), (m) => ({ ...m, type: 1 }));
    const p = (await factOf(ledger, { kind: 'to_device', event })).payload as OlmUndecryptablePayload;
    assert.deepEqual([p.reason, p.detail], ['no_session', 'OLM.NO_SESSION']);
  });

  it('Olm: bad_message with olm error names, for each way a message fails', async () => {
    const to = await ledgerRecipient(ledger);
    const first = alice.encryptToDevice(to, 'm.dummy', { n: 1 });
    const details: [string, string][] = [];
    const undecryptable = async (event: unknown) => {
      const fact = await factOf(ledger, { kind: 'to_device', event });
      assert.equal(fact.kind, 'olm_undecryptable');
      const p = fact.payload as OlmUndecryptablePayload;
      details.push([p.reason, p.detail]);
    };
    // Before any session: a body that is not base64, a pre-key message altered in transit.
    await undecryptable(withMessage(first, (m) => ({ ...m, body: '!!!not base64!!!' })));
    await undecryptable(withMessage(first, (m) => ({ ...m, body: flip(m.body) })));
    // A pre-key message for a one-time key we never published.
    const other = await SimDevice.create('@bob:example.org', 'BOB');
    await undecryptable(alice.encryptToDevice({ ...to, oneTimeKey: other.curve25519 }, 'm.dummy', {}, { newSession: true }));
    other.free();
    // With a session: the pre-key message decrypts, then the same body as a normal message does not.
    assert.equal((await factOf(ledger, { kind: 'to_device', event: first })).kind, 'olm_decrypted');
    await undecryptable(withMessage(alice.encryptToDevice(to, 'm.dummy', { n: 2 }), (m) => ({ ...m, type: 1 })));
    await undecryptable(withMessage(alice.encryptToDevice(to, 'm.dummy', { n: 3 }), (m) => ({ ...m, type: 1, body: '!!!' })));
    assert.deepEqual(details, [
      ['bad_message', 'OLM.BAD_MESSAGE_FORMAT'],
      ['bad_message', 'OLM.BAD_MESSAGE_MAC'],
      ['bad_message', 'OLM.BAD_MESSAGE_KEY_ID'],
      ['bad_message', 'OLM.BAD_MESSAGE_FORMAT'],
      ['bad_message', 'OLM.BAD_MESSAGE_FORMAT'],
    ]);
  });

  it('Megolm: a key that does not import, and room events that do not decrypt, are logged with olm error names', async () => {
    const to = await ledgerRecipient(ledger);
    const out = alice.createOutboundSession(ROOM);
    const key = out.roomKeyContent();
    const early = out.encrypt('m.room.message', { body: 'before the key' });
    const errors: unknown[] = [];
    for (const sessionKey of ['AAAA', '!!!', (key['session_key'] as string).slice(0, 40)]) {
      const fact = await factOf(ledger, { kind: 'to_device', event: alice.encryptToDevice(to, 'm.room_key', { ...key, session_key: sessionKey }) });
      errors.push((fact.payload as OlmDecryptedPayload).room_key?.error);
    }
    // Shared at index 1: the index-0 event is before the first known index.
    const later = out.roomKeyContent();
    await factOf(ledger, { kind: 'to_device', event: alice.encryptToDevice(to, 'm.room_key', later) });
    const ok = out.encrypt('m.room.message', { body: 'after the key' });
    const results: [string, string][] = [];
    for (const event of [early, { ...ok, event_id: '$tampered', content: { ...ok.content, ciphertext: flip(ok.content.ciphertext) } }, { ...ok, event_id: '$garbage', content: { ...ok.content, ciphertext: '!!!' } }]) {
      const fact = await factOf(ledger, { kind: 'room_event', room_id: ROOM, event });
      const p = fact.payload as MegolmUndecryptablePayload;
      results.push([p.reason, p.detail]);
    }
    out.free();
    assert.deepEqual(errors, ['OLM.BAD_SESSION_KEY', 'OLM.BAD_SESSION_KEY', 'OLM.BAD_SESSION_KEY']);
    assert.deepEqual(results, [
      ['unknown_index', 'message 0 is before the first known index 1'],
      ['bad_ciphertext', 'OLM.BAD_SIGNATURE'],
      ['bad_ciphertext', 'OLM.BAD_MESSAGE_VERSION'],
    ]);
  });
});
