/**
 * Which room events the store's `unclean` index certainly does not hold: a Bloom filter of
 * its keys, in memory. A room event given to `decryptRoomEvent` for the first time is
 * looked up in the index before it is logged (was it logged before, and did not decrypt
 * cleanly?); nearly always it is not there, and that read of the disk held up every call
 * (about 7% of the call's time). The filter answers "not there" without the read, and
 * "maybe" sends the key to the index as before: it never has a false "not there", so what
 * the ledger answers is the same with or without it.
 *
 * Built on first use by reading the index's keys once, in the background (lookups go to
 * the index until it is ready); every key a written batch adds is added as it is written,
 * from the moment the filter exists, so no key is missed between the read and the writes.
 * A filter past its capacity (its false "maybe"s grow, never a false "not there") is
 * rebuilt eight times larger in the background while it goes on answering.
 *
 * Keys come from the network and can be chosen to collide: a collision costs one read, as
 * before the filter, and nothing else.
 */
import { BloomFilter } from 'bloomfilter';
import type { Sub } from './log/store.js';

/** Keys the first filter is sized for; each rebuild multiplies it by {@link GROWTH}. */
const FIRST_CAPACITY = 65_536;
const GROWTH = 8;
/** False "maybe" rate at capacity (about 9.6 bits per key). */
const ERROR_RATE = 0.01;

/** One filter and how full it is. */
interface Generation {
  bloom: BloomFilter;
  capacity: number;
  added: number;
}

export class UncleanFilter {
  /** The filter answering; null before the first one is ready. */
  private serving: Generation | null = null;
  /** A filter being filled from the index (the first one, or a larger one). */
  private building: Generation | null = null;
  private closed = false;
  /** Settles when the read of the index under way ends. */
  private filling: Promise<void> = Promise.resolve();

  constructor(
    private readonly index: Sub,
    firstCapacity = FIRST_CAPACITY,
  ) {
    this.rebuild(firstCapacity);
  }

  /** True when the index certainly has no entry under `key`; false when it may. */
  absent(key: string): boolean {
    return this.serving !== null && !this.serving.bloom.test(key);
  }

  /** Keys a written batch put in the index. */
  added(keys: readonly string[]): void {
    for (const key of keys) {
      for (const g of [this.serving, this.building]) {
        if (g === null) continue;
        g.bloom.add(key);
        g.added += 1;
      }
    }
    if (this.building === null && this.serving !== null && this.serving.added > this.serving.capacity) this.rebuild(this.serving.capacity * GROWTH);
  }

  /** Stops a read of the index under way (the store is closing). */
  close(): void {
    this.closed = true;
    this.building = null;
  }

  /** Whether a filter is answering (for tests and diagnostics). */
  get ready(): boolean {
    return this.serving !== null;
  }

  /** Resolves once no read of the index is under way (for tests). */
  async settled(): Promise<void> {
    for (let f = this.filling; ; f = this.filling) {
      await f;
      if (f === this.filling) return;
    }
  }

  private rebuild(capacity: number): void {
    const g: Generation = { bloom: BloomFilter.withTargetError(capacity, ERROR_RATE), capacity, added: 0 };
    this.building = g;
    this.filling = this.fill(g).then(
      () => {
        if (this.building !== g) return;
        this.building = null;
        this.serving = g;
        // The index held more than the filter was sized for: it answers (with more false
        // "maybe"s) while one sized for what is there is built.
        if (g.added > g.capacity) this.rebuild(Math.max(g.capacity * GROWTH, g.added * 2));
      },
      () => {
        // The store closed or failed under the read: lookups go on reading the index.
        if (this.building === g) this.building = null;
      },
    );
  }

  private async fill(g: Generation): Promise<void> {
    for await (const key of this.index.keys()) {
      if (this.closed || this.building !== g) return;
      g.bloom.add(key);
      g.added += 1;
    }
  }
}
