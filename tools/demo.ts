/**
 * `npm run demo`: creates a ledger under ./data/demo, feeds it a realistic sample made
 * with real olm keys, and prints what a client gets back, the trust it derived and every
 * decision with its reason. Safe to run again: the demo ledger is recreated each time
 * (nothing else under ./data is touched).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { deviceTrust, identityState, knownDevices, knownUsers, openLedger } from '../src/index.js';
import { DEMO_DEVICE, DEMO_USER, demoInputs, feedDemo } from './demo/scenario.js';
import { replyToAlice } from './demo/reply.js';
import { demoGossip } from './demo/gossip.js';
import { demoBackup } from './demo/backup.js';
import { verifyAliceByEmoji } from './demo/verify.js';

const path = resolve(process.argv[2] ?? 'data/demo');
rmSync(path, { recursive: true, force: true });
// A demo store key: a real client passes its own secret (the CLI reads KEYLEDGER_STORE_KEY).
const storeKey = 'keyledger demo store key';
const ledger = await openLedger({ path, userId: DEMO_USER, deviceId: DEMO_DEVICE, storeKey });
const out = (line = '') => process.stdout.write(`${line}\n`);
try {
  const upload = await ledger.publishKeys({ withDeviceKeys: true });
  out(`Created a ledger for ${DEMO_USER} (device ${DEMO_DEVICE}) at ${path}`);
  out(`  our ed25519 key ${ledger.owner.ed25519}; ${Object.keys(upload.one_time_keys).length} signed one-time keys ready for /keys/upload`);
  const sample = await demoInputs(upload);
  out('\nFeeding it what the client received:');
  await feedDemo(ledger, sample.inputs, ({ input, room, outcome }) => {
    if (room) {
      const body = room.plaintext ? JSON.stringify((room.plaintext.content as { body?: string }).body) : `${room.decrypted ? 'withheld' : 'not decrypted'} (${room.utd?.cause})`;
      const who = room.senderDevice ? `${room.senderDevice.userId} ${room.senderDevice.deviceId}, ${room.senderTrust?.level}` : 'no known sender device';
      out(`  seq ${String(room.seq).padStart(2)}  ${input.what}`);
      out(`          → ${body}${room.decrypted ? `  [index ${room.messageIndex}, ${room.authenticity}, ${who}]` : ''}`);
      if (room.shield.color !== 'none') out(`          ${room.shield.color} shield: ${room.shield.code}`);
      for (const w of room.warnings) out(`          ! ${w.code}`);
      return;
    }
    out(`  seq ${String(outcome!.ok ? outcome!.seq : outcome!.error.seq).padStart(2)}  ${input.what}`);
    if (!outcome!.ok) out(`          → rejected: ${outcome!.error.detail}`);
    else for (const d of outcome!.decisions.filter((d) => d.slice !== 'identities' || d.outcome !== 'accepted')) out(`          → ${d.outcome} ${d.code}`);
  });
  // Bob answers, and Alice's phone (the Rust SDK) reads it.
  let lastAt = 0;
  for (const i of sample.inputs) lastAt = Math.max(lastAt, (i.envelope as { received_at?: number }).received_at ?? 0);
  const reply = await replyToAlice(ledger, sample, lastAt + 60_000, out);
  sample.free();
  // Alice's new tablet (a second ledger): Bob verifies it by emoji.
  await verifyAliceByEmoji(ledger, `${path}-alice`, out);
  // Key requests: answered only for our own verified devices.
  await demoGossip(ledger, out);
  // A backup the server made up: not trusted, nothing uploaded.
  await demoBackup(ledger, out);

  const state = ledger.state();
  out(`\nTrust after seq ${ledger.headSeq()} (state hash ${ledger.stateHash().slice(0, 16)}…):`);
  for (const user of knownUsers(state)) {
    out(`  ${user}: identity ${identityState(state, user)}`);
    for (const device of knownDevices(state, user)) {
      const t = deviceTrust(state, user, device);
      out(`    ${device.padEnd(12)} ${t.level.padEnd(18)} ${t.reason} (seq ${t.seq})`);
    }
  }

  out('\nDecisions (other than devices and keys that were simply accepted):');
  for (const d of await ledger.decisions()) {
    if (d.outcome === 'accepted' && d.slice === 'identities') continue;
    out(`  seq ${String(d.seq).padStart(2)}  ${d.outcome.padEnd(8)}  ${d.code.padEnd(34)}  ${d.subject}${d.because.length ? `  because ${d.because.join(',')}` : ''}`);
  }
  const report = await ledger.verify();
  out(`\nverify: ${report.ok ? 'ok' : 'FAILED'}: ${report.entries} entries, chain head ${report.headHash?.slice(0, 16)}…`);
  out(`\nWho held the key to Bob's reply: npx keyledger --db ${path} shares --event '${reply.eventId}'`);
  out(`\nNext: npx keyledger --db ${path} decisions   |   … trust   |   … report   |   … why-utd '<event id>'   |   … explain 9   |   … replay`);
} finally {
  await ledger.close();
}
