import { fmix32 } from './prng.js';

/**
 * Taxpayer identification numbers: a keyed bijection of the taxpayer's index onto 9-digit
 * numbers, so TINs are unique, reproducible from (seed, index) and not sequential-looking.
 * A balanced Feistel network on 30 bits with cycle walking into [1,000,000, 10^9): the area
 * number (first three digits) is never 000, as for real SSNs.
 */
const LOW = 1_000_000;
const HIGH = 1_000_000_000;
const HALF_BITS = 15;
const HALF_MASK = (1 << HALF_BITS) - 1;

export class TinScrambler {
  private readonly keys: Uint32Array;

  constructor(seed: number) {
    this.keys = new Uint32Array(4);
    for (let i = 0; i < 4; i++)
      this.keys[i] = fmix32((seed >>> 0) ^ fmix32(0x7a1b3c00 + i + Math.floor(seed / 4294967296)));
  }

  private permute(x: number): number {
    let l = x >>> HALF_BITS;
    let r = x & HALF_MASK;
    for (let i = 0; i < 4; i++) {
      const f = fmix32(r ^ this.keys[i]!) & HALF_MASK;
      const t = r;
      r = l ^ f;
      l = t;
    }
    return (l << HALF_BITS) | r;
  }

  /** The number for index `i` (0 ≤ i < 999,000,000); distinct indices give distinct numbers. */
  number(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= HIGH - LOW)
      throw new RangeError(`TIN index out of range: ${i}`);
    let x = this.permute(i + LOW);
    while (x < LOW || x >= HIGH) x = this.permute(x);
    return x;
  }

  /** The TIN for index `i`, as 9 digits. */
  tin(i: number): string {
    return String(this.number(i)).padStart(9, '0');
  }
}
