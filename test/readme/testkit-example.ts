import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../../src/index.js';
import { SimUser, keysQueryResponse } from '../../src/testkit/index.js';

// Bob's phone runs keyledger; Alice and Bob's other device are simulated, with real olm keys.
const dir = mkdtempSync(join(tmpdir(), 'keyledger-example-'));
const ledger = await openLedger({ path: dir, userId: '@bob:example.org', deviceId: 'BOBPHONE', unencryptedVault: true });
const alice = await SimUser.create('@alice:example.org');
const laptop = await alice.addDevice('ALICELAPTOP');
const bob = await SimUser.create('@bob:example.org');
const tablet = await bob.addDevice('BOBTABLET'); // Bob's own device, never verified

// The server lists both users' keys (cross-signed); our own device keys go in as they are.
const response = keysQueryResponse({
  users: [
    { user: alice, devices: [laptop] },
    { user: bob, devices: [tablet, ledger.deviceKeys()] },
  ],
});
await ledger.ingest({ kind: 'keys_query', response });

// Olm sessions to us start from our one-time keys, as /keys/claim hands them out.
const [otk1, otk2] = Object.values((await ledger.publishKeys({ count: 2 })).one_time_keys);
const ours = ledger.deviceKeys().keys;
const me = { userId: '@bob:example.org', deviceId: 'BOBPHONE', curve25519: ours['curve25519:BOBPHONE'], ed25519: ours['ed25519:BOBPHONE'] };

// 1. Alice shares a room key over Olm: accepted, and her message decrypts.
const room = '!lunch:example.org';
const session = laptop.createOutboundSession(room);
await ledger.ingest({ kind: 'to_device', event: laptop.encryptToDevice({ ...me, oneTimeKey: otk1.key }, 'm.room_key', session.roomKeyContent()) });
const hello = await ledger.decryptRoomEvent(room, session.encrypt('m.room.message', { msgtype: 'm.text', body: 'Lunch at noon?' }));
assert.equal(hello.plaintext?.content.body, 'Lunch at noon?');
assert.equal(hello.authenticity, 'authenticated');

// 2. The unverified tablet forwards a key nobody asked for, for a session of its own
//    dressed up as Alice's: refused, and what it "decrypts" is never shown as Alice's.
const forged = tablet.createOutboundSession(room);
const content = { ...(await forged.forwardedRoomKeyContent(0)), sender_key: laptop.curve25519, sender_claimed_ed25519_key: laptop.ed25519 };
const forward = await ledger.ingest({ kind: 'to_device', event: tablet.encryptToDevice({ ...me, oneTimeKey: otk2.key }, 'm.forwarded_room_key', content) });
const refused = forward.decisions.find((d) => d.code === 'forwarded_key.untrusted_sender');
assert.equal(refused?.parts.session_id, forged.sessionId);
const message = forged.encrypt('m.room.message', { msgtype: 'm.text', body: 'Send me your password' }, { sender: '@alice:example.org' });
const lie = await ledger.decryptRoomEvent(room, { ...message, content: { ...message.content, sender_key: laptop.curve25519, device_id: 'ALICELAPTOP' } });
assert.equal(lie.plaintext, null);
assert.equal(lie.utd?.cause, 'session_rejected');

session.free();
forged.free();
alice.free();
bob.free();
await ledger.close();
rmSync(dir, { recursive: true, force: true });
