import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { openLedger } from '../../src/open.js';
import { plainRoomEnvelope } from './tmp.js';

export const USER = '@alice:example.org';
export const DEVICE = 'ALICEDEV';

/**
 * A closed ledger of `count` plain room events (plus genesis) whose log is spread over
 * several LevelDB tables (compacted, then a write-ahead log on top holding `tail` more),
 * so a test can damage one file and keep the rest.
 */
export async function ledgerWithTables(path: string, count: number, tail = 20): Promise<void> {
  const ledger = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true, snapshotEvery: Math.max(1000, Math.floor(count / 4)) });
  for (let i = 0; i < count; i += 1000) {
    await ledger.ingestManyUnknown(Array.from({ length: Math.min(1000, count - i) }, (_, j) => bulkyEnvelope(i + j)));
  }
  await ledger.close();
  // Into sorted tables of level 1 and up, as a long-lived ledger's are.
  const db = new Level(path) as Level & { compactRange(start: string, end: string): Promise<void> };
  await db.open();
  await db.compactRange('\x00', '\xff');
  await db.close();
  const again = await openLedger({ path, userId: USER, deviceId: DEVICE, unencryptedVault: true });
  await again.ingestManyUnknown(Array.from({ length: tail }, (_, j) => bulkyEnvelope(count + j)));
  await again.close();
}

/**
 * A plain room message of about 2 KB that compresses to a fifth: LevelDB cuts its tables
 * at 2 MB, so a few thousand make several tables, and every block is compressed (flipped
 * bytes then fail to decompress, as LevelDB reports a damaged disk, instead of reading
 * back silently changed).
 */
function bulkyEnvelope(i: number): Record<string, unknown> {
  const envelope = plainRoomEnvelope(i) as unknown as { event: { content: { body: string } } };
  envelope.event.content.body = Array.from({ length: 3 }, (_, k) => createHash('sha512').update(`${i}.${k}`).digest('base64').repeat(8)).join('');
  return envelope;
}

/** Every file of a LevelDB folder but LevelDB's lock and info logs, with its SHA-256. */
export function fingerprint(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(path).sort()) {
    if (name === 'LOCK' || name === 'LOG' || name === 'LOG.old') continue;
    out.set(name, createHash('sha256').update(readFileSync(join(path, name))).digest('hex'));
  }
  return out;
}

/** The folder's table files, largest first. */
export function tables(path: string): string[] {
  return readdirSync(path)
    .filter((f) => f.endsWith('.ldb') || f.endsWith('.sst'))
    .sort((a, b) => statSync(join(path, b)).size - statSync(join(path, a)).size);
}
