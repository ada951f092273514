/**
 * The SAS the user compares, from the bytes HKDF gave (spec: "SAS method: decimal",
 * "SAS method: emoji"). Pure arithmetic; the emoji themselves come from the
 * `@matrix-org/spec` table, looked up in `src/`.
 */

/** Bytes from their hex form (the `sas_bytes` of a fact); an odd or bad hex gives fewer bytes. */
export function hexBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < hex.length && out.length < 16; i += 2) {
    const b = Number.parseInt(hex.slice(i, i + 2), 16);
    if (Number.isNaN(b)) break;
    out.push(b);
  }
  return out;
}

/** Three numbers from the first 5 bytes: 13 bits each, plus 1000. */
export function sasDecimals(b: readonly number[]): number[] {
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0] = b;
  return [((b0 << 5) | (b1 >> 3)) + 1000, (((b1 & 0x7) << 10) | (b2 << 2) | (b3 >> 6)) + 1000, (((b3 & 0x3f) << 7) | (b4 >> 1)) + 1000];
}

/** Seven emoji table indices from the first 42 bits of 6 bytes, 6 bits each. */
export function sasEmojiIndices(b: readonly number[]): number[] {
  let bits = 0n;
  for (let i = 0; i < 6; i++) bits = (bits << 8n) | BigInt(b[i] ?? 0);
  const out: number[] = [];
  for (let i = 0; i < 7; i++) out.push(Number((bits >> BigInt(42 - 6 * i)) & 63n));
  return out;
}
