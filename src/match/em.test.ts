import { describe, expect, it } from 'vitest';
import { type FsParameters, type Pattern, runEm } from './em.js';

/** Exact expected pattern counts of a known two-class mixture (no sampling noise). */
function mixture(truth: FsParameters, n: number, levelCounts: number[]): Pattern[] {
  const patterns: Pattern[] = [];
  const walk = (k: number, levels: number[], pm: number, pu: number) => {
    if (k === levelCounts.length) {
      patterns.push({ levels, count: n * (truth.lambda * pm + (1 - truth.lambda) * pu) });
      return;
    }
    for (let l = 0; l < levelCounts[k]!; l++)
      walk(k + 1, [...levels, l], pm * truth.m[k]![l]!, pu * truth.u[k]![l]!);
  };
  walk(0, [], 1, 1);
  return patterns;
}

const truth: FsParameters = {
  lambda: 0.05,
  m: [
    [0.02, 0.08, 0.9],
    [0.05, 0.95],
    [0.1, 0.2, 0.7],
    [0.03, 0.97],
  ],
  u: [
    [0.9, 0.08, 0.02],
    [0.7, 0.3],
    [0.85, 0.1, 0.05],
    [0.99, 0.01],
  ],
};
const levelCounts = [3, 2, 3, 2];

describe('EM on comparison patterns', () => {
  it('recovers λ and m of a known mixture with u fixed', () => {
    const start: FsParameters = {
      lambda: 0.2,
      m: levelCounts.map((n) => Array.from({ length: n }, (_, l) => (l + 1) / ((n * (n + 1)) / 2))),
      u: truth.u,
    };
    const r = runEm(mixture(truth, 1_000_000, levelCounts), { levelCounts, start });
    expect(r.converged).toBe(true);
    expect(r.params.lambda).toBeCloseTo(0.05, 4);
    for (let k = 0; k < levelCounts.length; k++) {
      for (let l = 0; l < levelCounts[k]!; l++) expect(r.params.m[k]![l]!).toBeCloseTo(truth.m[k]![l]!, 3);
    }
  });

  it('recovers u as well when u is free', () => {
    const start: FsParameters = {
      lambda: 0.1,
      m: levelCounts.map((n) => Array.from({ length: n }, (_, l) => (l + 1) / ((n * (n + 1)) / 2))),
      u: levelCounts.map((n) => Array.from({ length: n }, (_, l) => (n - l) / ((n * (n + 1)) / 2))),
    };
    const r = runEm(mixture(truth, 1_000_000, levelCounts), {
      levelCounts,
      start,
      fixU: false,
      maxIterations: 2000,
      tolerance: 1e-10,
    });
    expect(r.params.lambda).toBeCloseTo(0.05, 3);
    expect(r.params.u[0]![2]!).toBeCloseTo(0.02, 2);
    expect(r.params.m[0]![2]!).toBeCloseTo(0.9, 2);
  });

  it('treats level -1 as missing: the comparison adds no evidence', () => {
    const withMissing = mixture(truth, 100_000, levelCounts).map((p) => ({
      ...p,
      levels: [p.levels[0]!, p.levels[1]!, p.levels[2]!, -1],
    }));
    const start: FsParameters = { lambda: 0.2, m: truth.m.map((r) => r.map(() => 1 / r.length)), u: truth.u };
    const r = runEm(withMissing, { levelCounts, start });
    // Nothing was observed for comparison 3: its m stays where it started.
    expect(r.params.m[3]).toEqual([0.5, 0.5]);
    expect(r.params.lambda).toBeCloseTo(0.05, 2);
  });

  it('never yields a zero probability (weights stay finite)', () => {
    const start: FsParameters = { lambda: 0.5, m: [[0.5, 0.5]], u: [[0.5, 0.5]] };
    const r = runEm([{ levels: [1], count: 10 }], { levelCounts: [2], start, fixU: false });
    expect(Math.min(...r.params.m[0]!, ...r.params.u[0]!)).toBeGreaterThan(0);
  });
});
