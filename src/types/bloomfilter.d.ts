/** The part of `bloomfilter` (Jason Davies; ships no types) that keyledger uses. */
declare module 'bloomfilter' {
  export class BloomFilter {
    /** `m` bits, `k` hash functions. */
    constructor(m: number, k: number);
    /** A filter sized for `n` items at false-positive rate `error`. */
    static withTargetError(n: number, error: number): BloomFilter;
    add(value: string): void;
    /** False: certainly never added. True: probably added. */
    test(value: string): boolean;
  }
}
