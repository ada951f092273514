/**
 * Given/when/then for the identities slice, on a real ledger in a temporary folder:
 * given these entries (real keys from the testkit or the Rust SDK), when this one
 * arrives, then these decisions. Our own user is `@me:example.org`, device `MEDEV`.
 */
import { strict as assert } from 'node:assert';
import {
  deviceTrust, identityState, openLedger, type Decision, type DeviceTrust, type IdentityStateName, type Ledger, type LedgerState,
} from '../../../src/index.js';
import { keysQueryResponse, SimUser, type DeviceKeys, type KeysQueryResponse, type KeysQueryUser } from '../../../src/testkit/index.js';
import { tempDir } from '../../helpers/tmp.js';

export const ME = '@me:example.org';
export const MY_DEVICE = 'MEDEV';

/** A fresh ledger of `@me:example.org`; entries get consecutive fixed times. */
export class Scenario {
  private constructor(
    readonly ledger: Ledger,
    private readonly dir: { path: string; cleanup(): void },
  ) {}

  static async start(options: { snapshotEvery?: number } = {}): Promise<Scenario> {
    const dir = tempDir('keyledger-identities-');
    let t = 1_700_000_000_000;
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: MY_DEVICE, now: () => t++, unencryptedVault: true, ...options });
    return new Scenario(ledger, dir);
  }

  /** Ingests one envelope and returns the decisions it caused. */
  async ingest(envelope: unknown): Promise<Decision[]> {
    return (await this.ledger.ingestUnknown(envelope)).decisions;
  }

  /** Ingests a `/keys/query` response. */
  keysQuery(response: KeysQueryResponse | Record<string, unknown>): Promise<Decision[]> {
    return this.ingest({ kind: 'keys_query', response });
  }

  /** Ingests a `/keys/query` response built from testkit users. */
  listUsers(...users: KeysQueryUser[]): Promise<Decision[]> {
    return this.keysQuery(keysQueryResponse({ users }));
  }

  /** Ingests a `user_action`. */
  action(action: string, fields: Record<string, string>): Promise<Decision[]> {
    return this.ingest({ kind: 'user_action', action, ...fields });
  }

  state(): LedgerState {
    return this.ledger.state();
  }

  trust(userId: string, deviceId: string): DeviceTrust {
    return deviceTrust(this.state(), userId, deviceId);
  }

  identity(userId: string): IdentityStateName {
    return identityState(this.state(), userId);
  }

  /** Our own device keys, as the server would list them. */
  myDeviceKeys(): DeviceKeys {
    return { ...this.ledger.deviceKeys() };
  }

  /** The ledger folder (to reopen it). */
  get path(): string {
    return this.dir.path;
  }

  async close(): Promise<void> {
    await this.ledger.close();
    this.dir.cleanup();
  }
}

/** The codes of some decisions, in order. */
export function codes(decisions: readonly Decision[]): string[] {
  return decisions.map((d) => d.code);
}

/** Asserts that exactly one decision has `code`, and returns it. */
export function only(decisions: readonly Decision[], code: string): Decision {
  const hits = decisions.filter((d) => d.code === code);
  assert.equal(hits.length, 1, `expected one ${code}, got [${codes(decisions).join(', ')}]`);
  return hits[0]!;
}

/** Asserts a device's trust level and reason. */
export function assertTrust(trust: DeviceTrust, level: DeviceTrust['level'], reason?: string): void {
  assert.equal(trust.level, level, `level ${trust.level} (${trust.reason}), expected ${level}`);
  if (reason !== undefined) assert.equal(trust.reason, reason);
}

/** A testkit user with the given devices. Freed by `freeAll`. */
const made: SimUser[] = [];
export async function user(userId: string, ...deviceIds: string[]): Promise<SimUser> {
  const u = await SimUser.create(userId);
  for (const d of deviceIds) await u.addDevice(d);
  made.push(u);
  return u;
}

export function freeAll(): void {
  for (const u of made.splice(0)) u.free();
}

/** A deep copy of JSON, to tamper with. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
