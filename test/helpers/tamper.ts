import { Level } from 'level';

/** Opens a closed ledger's LevelDB directly, as "any LevelDB tool" would, and edits its log. */
export async function tamperLog(path: string, edit: (log: ReturnType<typeof logOf>) => Promise<void>): Promise<void> {
  const db = new Level<string, string>(path, { valueEncoding: 'utf8' });
  await db.open();
  try {
    await edit(logOf(db));
  } finally {
    await db.close();
  }
}

function logOf(db: Level<string, string>) {
  const log = db.sublevel<string, string>('log', { valueEncoding: 'utf8' });
  const key = (seq: number) => seq.toString().padStart(16, '0');
  return {
    get: async (seq: number) => JSON.parse((await log.get(key(seq)))!) as Record<string, unknown>,
    put: (seq: number, value: unknown) => log.put(key(seq), JSON.stringify(value)),
    putRaw: (seq: number, text: string) => log.put(key(seq), text),
    del: (seq: number) => log.del(key(seq)),
    snapshots: db.sublevel<string, string>('snap', { valueEncoding: 'utf8' }),
  };
}
