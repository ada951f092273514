import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Olm } from '../../src/crypto/olm.js';
import type { RoomEventEnvelope } from '../../src/index.js';

/** A scratch folder for one benchmark, removed afterwards. */
export function scratch(name: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `keyledger-bench-${name}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Seconds taken by `fn`. */
export async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A timeline event envelope as /sync delivers it; `type` and `content` vary by caller. */
function timelineEnvelope(i: number, idTag: string, type: string, content: Record<string, unknown>): RoomEventEnvelope {
  const ts = 1_700_000_000_000 + i * 1000;
  return {
    kind: 'room_event',
    room_id: `!room${i % 50}:example.org`,
    received_at: ts + 150,
    event: { event_id: `$${i.toString(36)}${idTag}_aGVsbG8gd29ybGQ`, sender: `@user${i % 200}:example.org`, origin_server_ts: ts, type, content, unsigned: { age: 150 } },
  };
}

/** A room-event envelope shaped like what /sync delivers for an encrypted room. */
export function roomEnvelope(i: number): RoomEventEnvelope {
  return timelineEnvelope(i, 'evt', 'm.room.encrypted', {
    algorithm: 'm.megolm.v1.aes-sha2',
    sender_key: 'K2Lh3VOxE0Vw9+2J8sBwdvKFI3Vn3pXGlnUpeAWAbcQ',
    device_id: `DEV${i % 200}`,
    session_id: `X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0c${(i % 97).toString().padStart(3, '0')}`,
    ciphertext:
      'AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg2yyOwAtHaZTwyNg37afzg8f3r9IsN9r4RNFg7MaZencUJe4qvELiDiopUjy5wYVDAtqdBzer5bWRD9ldxp1FLgbQvBcjkkywYjCsc' +
      'x9'.repeat(40),
  });
}

/** An unencrypted room message envelope: one entry, nothing derived. */
export function plainRoomEnvelope(i: number): RoomEventEnvelope {
  return timelineEnvelope(i, 'plain', 'm.room.message', { msgtype: 'm.text', body: `Message number ${i}: ${'lorem ipsum dolor sit amet '.repeat(12)}` });
}

/**
 * Hand-written subsections (a `### ` heading ending in "(kept)", e.g. a before/after table
 * or profile findings) are not made by a run: each is carried over from the previous file
 * to the end of the section it was in.
 */
export function keepHandWritten(previous: string, next: string): string {
  const kept = new Map<string, string[]>();
  let section = '';
  let keeping = false;
  for (const line of previous.split('\n')) {
    if (line.startsWith('## ')) {
      section = line;
      keeping = false;
      continue;
    }
    if (line.startsWith('### ')) keeping = line.trimEnd().endsWith('(kept)');
    if (keeping) kept.set(section, [...(kept.get(section) ?? []), line]);
  }
  const out: string[] = [];
  const flush = (section: string) => {
    const lines = kept.get(section);
    if (lines === undefined) return;
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    out.push('', ...lines, '');
    kept.delete(section);
  };
  let current = '';
  for (const line of next.split('\n')) {
    if (line.startsWith('## ')) {
      flush(current);
      current = line;
    }
    out.push(line);
  }
  flush(current);
  return out.join('\n');
}

/** Counts libolm Megolm decryptions (every InboundGroupSession shares one prototype). */
export function countMegolmDecrypts(olm: typeof Olm): { readonly calls: number; restore(): void } {
  const proto = olm.InboundGroupSession.prototype as { decrypt: Olm.InboundGroupSession['decrypt'] };
  const original = proto.decrypt;
  const counter = {
    calls: 0,
    restore: () => {
      proto.decrypt = original;
    },
  };
  proto.decrypt = function (this: Olm.InboundGroupSession, message: string) {
    counter.calls += 1;
    return original.call(this, message);
  };
  return counter;
}
