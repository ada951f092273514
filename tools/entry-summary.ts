import type { LedgerEntry } from '../src/index.js';

import { listSome, truncate } from './format.js';

/**
 * One short line describing an entry, by kind, for `keyledger log`. Add a summariser
 * here when the engine learns a new entry kind; unknown kinds get a generic summary.
 * Summaries are built from already-redacted entries.
 */
type Summariser = (payload: Record<string, unknown>, entry: LedgerEntry) => string;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function eventSummary(event: Record<string, unknown>, roomId?: string): string {
  const content = obj(event.content);
  const parts = [str(event.type) ?? '?'];
  if (str(event.sender)) parts.push(`from ${str(event.sender)}`);
  const room = roomId ?? str(content.room_id);
  if (room) parts.push(`in ${room}`);
  if (str(event.event_id)) parts.push(str(event.event_id)!);
  if (str(content.algorithm) && str(event.type) === 'm.room.encrypted') parts.push(`(${str(content.algorithm)})`);
  return parts.join(' ');
}

export const summarisers: Record<string, Summariser> = {
  ledger_created: (p) => {
    const keys = obj(p.keys);
    return `${str(p.user_id) ?? '?'} ${str(p.device_id) ?? '?'} ed25519 ${str(keys.ed25519) ?? '?'} (engine ${str(p.engine_version) ?? '?'})`;
  },
  to_device: (p) => eventSummary(obj(p.event)),
  room_event: (p) => eventSummary(obj(p.event), str(p.room_id)),
  keys_query: (p) => {
    const response = obj(p.response);
    const deviceKeys = obj(response.device_keys);
    const users = new Set<string>(Object.keys(deviceKeys));
    for (const field of ['master_keys', 'self_signing_keys', 'user_signing_keys']) for (const u of Object.keys(obj(response[field]))) users.add(u);
    const described = [...users].sort().map((u) => {
      const n = Object.keys(obj(deviceKeys[u])).length;
      return `${u} (${n} device${n === 1 ? '' : 's'})`;
    });
    const failures = Object.keys(obj(response.failures));
    const text = described.length === 0 ? 'no users' : `users ${listSome(described, 3)}`;
    return failures.length === 0 ? text : `${text}; failures: ${listSome(failures, 3)}`;
  },
  backup_version: (p) => {
    const r = obj(p.response);
    return `backup version ${str(r.version) ?? '?'} ${str(r.algorithm) ?? ''}`.trimEnd();
  },
  user_action: (p) => `action ${str(p.action) ?? '?'}`,
  rejected_input: (p) => {
    const message = str(p.message) ?? '';
    const path = str(p.path) ?? '';
    return path !== '' && !message.startsWith(path) ? `${path}: ${message}` : message;
  },
};

/** The generic summary: the payload's compact JSON, cut short. */
function generic(payload: unknown): string {
  return JSON.stringify(payload) ?? '';
}

/** One short line for an (already redacted) entry. */
export function summarise(entry: LedgerEntry, max = 120): string {
  const payload = obj(entry.payload);
  const summariser = Object.prototype.hasOwnProperty.call(summarisers, entry.kind) ? summarisers[entry.kind] : undefined;
  let text: string;
  try {
    text = summariser ? summariser(payload, entry) : generic(entry.payload);
  } catch {
    text = generic(entry.payload);
  }
  return truncate(text.replace(/\s+/g, ' '), max);
}
