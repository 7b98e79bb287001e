/**
 * Expectation–maximisation for the Fellegi–Sunter model over comparison patterns.
 *
 * Candidate pairs are first aggregated in SQL into distinct comparison vectors ("patterns")
 * with their counts — a few thousand rows however many pairs there are (the fastLink trick) —
 * so EM itself runs in TypeScript over that small table. A level of -1 means "missing": the
 * comparison contributes nothing to that pattern (missing at random).
 */
export interface Pattern {
  readonly levels: readonly number[];
  readonly count: number;
}

export interface FsParameters {
  /** Share of candidate pairs that are matches. */
  lambda: number;
  /** m[k][l]: P(comparison k at level l | match). */
  m: number[][];
  /** u[k][l]: P(comparison k at level l | non-match). */
  u: number[][];
}

export interface EmOptions {
  /** Number of levels of each comparison. */
  readonly levelCounts: readonly number[];
  /** Start values. */
  readonly start: FsParameters;
  /** Keep u at its start values (u estimated by random sampling, as Splink does). Default true. */
  readonly fixU?: boolean;
  /** Keep m at its start values (to estimate the prior λ alone). Default false. */
  readonly fixM?: boolean;
  readonly maxIterations?: number;
  /** Stop when no parameter moves by more than this. */
  readonly tolerance?: number;
  /** Floor for probabilities, so that no weight is infinite. */
  readonly floor?: number;
}

export interface EmResult {
  readonly params: FsParameters;
  readonly iterations: number;
  readonly converged: boolean;
  /** Largest parameter change in the last iteration. */
  readonly lastDelta: number;
}

export function runEm(patterns: readonly Pattern[], options: EmOptions): EmResult {
  const K = options.levelCounts.length;
  const fixU = options.fixU ?? true;
  const fixM = options.fixM ?? false;
  const maxIt = options.maxIterations ?? 200;
  const tol = options.tolerance ?? 1e-7;
  const floor = options.floor ?? 1e-9;
  let p = clone(options.start);
  let delta = Number.POSITIVE_INFINITY;
  let it = 0;
  while (it < maxIt && delta > tol) {
    it++;
    const mAcc = options.levelCounts.map((n) => new Array<number>(n).fill(0));
    const uAcc = options.levelCounts.map((n) => new Array<number>(n).fill(0));
    let matchMass = 0;
    let total = 0;
    for (const pat of patterns) {
      let pm = p.lambda;
      let pu = 1 - p.lambda;
      for (let k = 0; k < K; k++) {
        const l = pat.levels[k]!;
        if (l < 0) continue;
        pm *= p.m[k]![l]!;
        pu *= p.u[k]![l]!;
      }
      const w = pm + pu > 0 ? pm / (pm + pu) : 0;
      matchMass += w * pat.count;
      total += pat.count;
      for (let k = 0; k < K; k++) {
        const l = pat.levels[k]!;
        if (l < 0) continue;
        mAcc[k]![l]! += w * pat.count;
        uAcc[k]![l]! += (1 - w) * pat.count;
      }
    }
    const next: FsParameters = {
      lambda: clamp(total > 0 ? matchMass / total : p.lambda, floor),
      m: fixM ? p.m : mAcc.map((row) => normalise(row, floor)),
      u: fixU ? p.u : uAcc.map((row) => normalise(row, floor)),
    };
    delta = maxChange(p, next);
    p = next;
  }
  return { params: p, iterations: it, converged: delta <= tol, lastDelta: delta };
}

function normalise(row: number[], floor: number): number[] {
  const sum = row.reduce((a, b) => a + b, 0);
  if (sum <= 0) return row.map(() => 1 / row.length);
  const probs = row.map((x) => Math.max(x / sum, floor));
  const s2 = probs.reduce((a, b) => a + b, 0);
  return probs.map((x) => x / s2);
}

function clamp(x: number, floor: number): number {
  return Math.min(1 - floor, Math.max(floor, x));
}

function maxChange(a: FsParameters, b: FsParameters): number {
  let d = Math.abs(a.lambda - b.lambda);
  for (let k = 0; k < a.m.length; k++) {
    for (let l = 0; l < a.m[k]!.length; l++) {
      d = Math.max(d, Math.abs(a.m[k]![l]! - b.m[k]![l]!), Math.abs(a.u[k]![l]! - b.u[k]![l]!));
    }
  }
  return d;
}

function clone(p: FsParameters): FsParameters {
  return { lambda: p.lambda, m: p.m.map((r) => [...r]), u: p.u.map((r) => [...r]) };
}
