import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoomEventEnvelope } from '../../src/index.js';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'keyledger-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A realistic-shaped room event envelope (the content need not decrypt here). */
export function roomEnvelope(i: number, receivedAt = 1_700_000_000_000 + i): RoomEventEnvelope {
  return {
    kind: 'room_event',
    room_id: '!room:example.org',
    received_at: receivedAt,
    event: {
      event_id: `$event${i}`,
      sender: '@alice:example.org',
      origin_server_ts: receivedAt,
      type: 'm.room.encrypted',
      content: {
        algorithm: 'm.megolm.v1.aes-sha2',
        sender_key: 'K2Lh3VOxE0Vw9+2J8sBwdvKFI3Vn3pXGlnUpeAWAbcQ',
        device_id: 'ALICEDEV',
        session_id: 'X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ',
        ciphertext: 'AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg2yyOwAtHaZTwyNg37afzg8f3r9IsN9r4RNFg7MaZencUJe4qvELiDiopUjy5wYVDAtqdBzer5bWRD9ldxp1FLgbQvBcjkkywYjCsc',
      },
    },
  };
}

/** An unencrypted room message envelope: one entry, no facts. */
export function plainRoomEnvelope(i: number, receivedAt = 1_700_000_000_000 + i): RoomEventEnvelope {
  return {
    kind: 'room_event',
    room_id: '!room:example.org',
    received_at: receivedAt,
    event: { event_id: `$plain${i}`, sender: '@alice:example.org', origin_server_ts: receivedAt, type: 'm.room.message', content: { msgtype: 'm.text', body: `message ${i}` } },
  };
}
