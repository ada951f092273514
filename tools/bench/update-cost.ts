import { openLedger, type LedgerEntry, type LedgerState } from '../../src/index.js';
import { SimDevice, signJson } from '../../src/testkit/index.js';
import { fmt, median, scratch, seconds } from './util.js';

/**
 * The cost of one entry folded into a state that already holds `big` entities (devices
 * of distinct users, listed by /keys/query), against the same at 100 entities: immer
 * copies the path it changes, so a flat layout would make this grow with the state.
 */
export async function benchUpdateCost(big: number): Promise<string[]> {
  const dir = scratch('update');
  const signer = await SimDevice.create('@signer:example.org', 'SIGNER');
  try {
    const ledger = await openLedger({ path: dir.path, userId: '@bench:example.org', deviceId: 'BENCH', unencryptedVault: true });
    let seq = 1;
    // One ed25519 key self-signs every device here: signing 100k fresh keys would
    // measure olm key generation, not the fold.
    const device = (u: number) =>
      signJson(
        signer,
        {
          user_id: `@u${u}:example.org`,
          device_id: `D${u}`,
          algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
          keys: { [`curve25519:D${u}`]: `c${u.toString().padStart(42, '0')}`, [`ed25519:D${u}`]: signer.ed25519 },
        },
        `@u${u}:example.org`,
        `ed25519:D${u}`,
      );
    const entry = (from: number, count: number): LedgerEntry => {
      const device_keys: Record<string, Record<string, unknown>> = {};
      for (let u = from; u < from + count; u++) device_keys[`@u${u}:example.org`] = { [`D${u}`]: device(u) };
      return { seq: seq++, receivedAt: 1_700_000_000_000 + seq, kind: 'keys_query', payload: { kind: 'keys_query', response: { device_keys } }, prevHash: '', hash: '' };
    };
    const build = (n: number): LedgerState => {
      let state = ledger.fold(ledger.initialState(), []);
      for (let u = 0; u < n; u += 1000) state = ledger.fold(state, [entry(u, Math.min(1000, n - u))]);
      return state;
    };
    const M = 2_000;
    const updates = Array.from({ length: M }, (_, i) => entry(10_000_000 + i, 1));
    const measure = async (state: LedgerState) => {
      let s = state;
      const t = await seconds(() => {
        for (const u of updates) s = ledger.fold(s, [u]);
      });
      return (t / M) * 1e6;
    };
    const small = build(100);
    const large = build(big);
    // Building the large state leaves garbage behind; collect it first so neither side pays
    // for it, then alternate the two sides and take the median of each (this machine is
    // shared, and one run swings by ±30%).
    const gc = (globalThis as { gc?: () => void }).gc;
    await measure(small); // warm-up: JIT and olm
    const smallRuns: number[] = [];
    const largeRuns: number[] = [];
    for (let round = 0; round < 5; round++) {
      gc?.();
      smallRuns.push(await measure(small));
      gc?.();
      largeRuns.push(await measure(large));
    }
    const costSmall = median(smallRuns);
    const costLarge = median(largeRuns);
    await ledger.close();
    return [
      `${fmt(M)} entries, each a /keys/query listing one new user's self-signed device (signature checked), folded one \`produce\` per entry; median of 5 alternating rounds, garbage collected before each.`,
      '',
      '| state holds | µs per entry |',
      '| ---: | ---: |',
      `| 100 devices (baseline) | ${fmt(costSmall, 1)} |`,
      `| ${fmt(big)} devices | ${fmt(costLarge, 1)} |`,
      `| **ratio** (target ≤ 2×) | **${fmt(costLarge / costSmall, 2)}×** |`,
    ];
  } finally {
    signer.free();
    dir.cleanup();
  }
}
