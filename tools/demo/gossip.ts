/**
 * The demo's gossip step: two devices ask the demo ledger for a room key — a device of
 * another user, and our own tablet, which nobody verified — and both are refused
 * with their codes (the second is told `m.room_key.withheld` only if it is listed).
 */
import type { Ledger } from '../../src/index.js';
import { DEMO_ROOM } from './scenario.js';

export async function demoGossip(ledger: Ledger, out: (line?: string) => void): Promise<void> {
  const me = ledger.owner.userId;
  const request = (sender: string, deviceId: string, requestId: string) => ({
    type: 'm.room_key_request', sender,
    content: { action: 'request', requesting_device_id: deviceId, request_id: requestId, body: { algorithm: 'm.megolm.v1.aes-sha2', room_id: DEMO_ROOM, session_id: 'any-session' } },
  });
  out('\nKey requests (m.room_key_request) from devices we do not share with:');
  const r = await ledger.receiveSync({ to_device: { events: [request('@mallory:example.org', 'EVIL', 'demo-req-1'), request(me, 'BOBTABLET', 'demo-req-2')] } });
  for (const [i, e] of r.toDeviceEvents.entries()) {
    const who = i === 0 ? '@mallory:example.org EVIL' : `${me} BOBTABLET (ours, never verified)`;
    if (e.status === 'invalid') continue;
    out(`  seq ${String(e.seq).padStart(2)}  request from ${who}`);
    for (const d of e.decisions) out(`          → ${d.outcome} ${d.code}`);
  }
  out(`  (keyledger --db <path> requests lists every request and its decisions)`);
}
