/** Assertions on decisions, shared by every slice test. */
import { strict as assert } from 'node:assert';
import type { Decision, DeviceTrust } from '../../src/index.js';

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

/** Asserts that no decision has any of `codes`. */
export function none(decisions: readonly Decision[], ...unwanted: string[]): void {
  const hits = decisions.filter((d) => unwanted.includes(d.code));
  assert.deepEqual(codes(hits), [], `unexpected decisions`);
}

/** Asserts a device's trust level and reason. */
export function assertTrust(trust: DeviceTrust, level: DeviceTrust['level'], reason?: string): void {
  assert.equal(trust.level, level, `level ${trust.level} (${trust.reason}), expected ${level}`);
  if (reason !== undefined) assert.equal(trust.reason, reason);
}

/** A deep copy of JSON, to tamper with. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
