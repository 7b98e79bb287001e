import { describe, expect, it } from 'vitest';
import { AliasTable, Rng } from './prng.js';
import { TinScrambler } from './tin.js';

describe('Rng (sfc32)', () => {
  it('gives the same stream for the same keys and another for other keys', () => {
    const a = new Rng(1, 2, 3);
    const b = new Rng(1, 2, 3);
    const c = new Rng(1, 2, 4);
    const sa = Array.from({ length: 20 }, () => a.u32());
    expect(Array.from({ length: 20 }, () => b.u32())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.u32())).not.toEqual(sa);
  });

  it('draws uniformly in range', () => {
    const rng = new Rng(7);
    const counts = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      counts[rng.int(10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('seeds above 2^32 are distinct', () => {
    expect(new Rng(2 ** 40).u32()).not.toBe(new Rng(2 ** 40 + 2 ** 32).u32());
  });
});

describe('AliasTable', () => {
  it('draws with the given weights', () => {
    const t = new AliasTable([1, 2, 7]);
    const rng = new Rng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[t.sample(rng)]!++;
    expect(counts[0]! / 100_000).toBeCloseTo(0.1, 1);
    expect(counts[1]! / 100_000).toBeCloseTo(0.2, 1);
    expect(counts[2]! / 100_000).toBeCloseTo(0.7, 1);
  });
});

describe('TinScrambler', () => {
  it('maps indices to distinct 9-digit numbers that do not look sequential', () => {
    const s = new TinScrambler(42);
    const seen = new Set<string>();
    let bad = 0;
    for (let i = 0; i < 200_000; i++) {
      const t = s.tin(i);
      if (!/^\d{9}$/.test(t) || t.startsWith('000')) bad++;
      seen.add(t);
    }
    expect(bad).toBe(0);
    expect(seen.size).toBe(200_000);
    const diffs = new Set([1, 2, 3, 4].map((i) => s.number(i + 1) - s.number(i)));
    expect(diffs.size).toBeGreaterThan(1);
  });

  it('depends on the seed', () => {
    expect(new TinScrambler(1).tin(5)).not.toBe(new TinScrambler(2).tin(5));
    expect(new TinScrambler(1).tin(5)).toBe(new TinScrambler(1).tin(5));
  });
});
