import { STANDARDIZER_VERSION } from '../standardize/index.js';
import { type DuckDBConnection, queryRows, queryValue } from '../store/duckdb.js';
import { generateCandidates } from './blocking.js';
import { COMPARISONS } from './comparisons.js';
import { type Pattern, runEm } from './em.js';
import { type FsModel, MODEL_FORMAT, type ModelComparison, modelVersion } from './fs-model.js';
import { scoreLevels } from './fs-score.js';
import { computePairLevels, LEVEL_COLUMNS } from './pair-levels.js';

export interface TrainOptions {
  /** Random (request, taxpayer) pairs used to estimate u. Default 1,000,000. */
  readonly uSamplePairs?: number;
  readonly seed?: number;
  readonly maxIterations?: number;
  /** Extra facts stored in the model's training record. */
  readonly note?: Record<string, unknown>;
}

/**
 * Trains the Fellegi–Sunter parameters, unsupervised, the way Splink does: u from random pairs
 * (almost all non-matches), then m and the prior λ by EM over the blocked candidate pairs with
 * u held fixed. Reads `req_std`, `mst_person`, `mst_std` and the candidate pairs table.
 */
export async function trainModel(
  conn: DuckDBConnection,
  candidates: string,
  options: TrainOptions = {},
): Promise<FsModel> {
  const seed = options.seed ?? 42;
  const want = options.uSamplePairs ?? 1_000_000;
  const requests = await queryValue<number>(conn, 'SELECT count(*) FROM req_std');
  const persons = await queryValue<number>(conn, 'SELECT count(*) FROM mst_person');
  const a = Math.max(1, Math.min(requests, Math.ceil(Math.sqrt(want))));
  const b = Math.max(1, Math.min(persons, Math.ceil(want / a)));
  // Samples chosen by a seeded hash of the key, not by position: the tables' physical order
  // varies with DuckDB's parallel writes, and the same inputs must train the same model
  // (its version is stamped on every decision).
  await conn.run(`CREATE OR REPLACE TEMP TABLE u_pairs AS
    SELECT r.row_no, p.tin
    FROM (SELECT row_no FROM req_std ORDER BY hash(row_no, ${seed}), row_no LIMIT ${a}) r
    CROSS JOIN (SELECT tin FROM mst_person ORDER BY hash(tin, ${seed + 1}), tin LIMIT ${b}) p`);
  await computePairLevels(conn, 'u_pairs', 'u_levels');
  const u = await levelDistribution(conn, 'u_levels');
  const uPairs = await queryValue<number>(conn, 'SELECT count(*) FROM u_levels');
  await conn.run('DROP TABLE u_pairs; DROP TABLE u_levels');

  const levelCounts = COMPARISONS.map((c) => c.levels.length);
  // Start m leaning to the top level: matches mostly agree.
  const startM = levelCounts.map((n) => {
    const raw = Array.from({ length: n }, (_, l) => 2 ** (2 * l));
    const total = raw.reduce((x, y) => x + y, 0);
    return raw.map((x) => x / total);
  });

  // m by EM in sessions, each over the pairs of some blocking rules, leaving out the
  // comparisons those rules block on (they agree on every pair of the session, so they carry
  // no information there — Splink's round robin). Households make one EM over all pairs
  // learn "same household" instead of "same person"; sessions keep the classes apart.
  const estimates: number[][][] = COMPARISONS.map(() => []);
  const sessions: Record<string, unknown>[] = [];
  for (const session of EM_SESSIONS) {
    await generateCandidates(conn, 'master_keys', 'session_pairs', session.rules);
    await computePairLevels(conn, 'session_pairs', 'session_levels');
    const patterns = await levelPatterns(conn, 'session_levels', session.exclude);
    await conn.run('DROP TABLE session_pairs; DROP TABLE session_levels');
    const pairs = patterns.reduce((x, p) => x + p.count, 0);
    if (pairs === 0) continue;
    const em = runEm(patterns, {
      levelCounts,
      start: { lambda: Math.min(0.5, Math.max(1e-6, requests / pairs)), m: startM, u },
      // u is free within a session: the non-matches of a block (a household, the neighbours)
      // agree far more often than random pairs do, and fixing u at its random-pair value would
      // push them into the match class.
      fixU: false,
      maxIterations: options.maxIterations ?? 500,
      tolerance: 1e-8,
      floor: 1e-6,
    });
    COMPARISONS.forEach((c, k) => {
      if (!session.exclude.includes(c.id)) estimates[k]!.push(em.params.m[k]!);
    });
    sessions.push({
      rules: session.rules,
      excluded: session.exclude,
      pairs,
      iterations: em.iterations,
      converged: em.converged,
      lambda: em.params.lambda,
    });
  }
  const m = COMPARISONS.map((_, k) => average(estimates[k]!) ?? startM[k]!);

  // The prior λ over the candidate pairs actually scored. A request names one person, so it
  // has at most one true match among its candidates: λ is the expected number of requests
  // with a match (each request's summed posterior, capped at 1) over the number of pairs,
  // iterated to a fixed point. (A plain EM for λ with m and u fixed counts every household
  // pair a little, and so overestimates it many times over.)
  await computePairLevels(conn, candidates, 'train_levels');
  const patterns = await levelPatterns(conn, 'train_levels', []);
  const candidatePairs = patterns.reduce((x, p) => x + p.count, 0);
  const draft = buildModel(0.5, m, u, {});
  await scoreLevels(conn, 'train_levels', 'train_scored', draft);
  await conn.run('DROP TABLE train_levels');
  let lambda = Math.min(0.5, Math.max(1e-6, requests / Math.max(1, candidatePairs)));
  let lambdaIterations = 0;
  for (; lambdaIterations < 100; lambdaIterations++) {
    const logit = Math.log2(lambda / (1 - lambda));
    const expected = await queryValue<number>(
      conn,
      // Summed as decimals: exact, so the result does not depend on the order DuckDB's
      // threads add the pairs in (a floating-point sum does, in its last bits).
      `SELECT coalesce(sum(least(1, s)), 0)::DOUBLE FROM (SELECT row_no, sum((1 / (1 + pow(2, -(weight + ${logit}))))::DECIMAL(38, 18)) AS s FROM train_scored GROUP BY row_no)`,
    );
    const next = Math.min(0.5, Math.max(1e-6, expected / Math.max(1, candidatePairs)));
    const done = Math.abs(next - lambda) < 1e-9;
    lambda = next;
    if (done) break;
  }
  await conn.run('DROP TABLE train_scored');
  return buildModel(lambda, m, u, {
    requests,
    master_taxpayers: persons,
    u_sample_pairs: uPairs,
    u_seed: seed,
    candidate_pairs: candidatePairs,
    patterns: patterns.length,
    em_sessions: sessions,
    lambda_iterations: lambdaIterations,
    ...options.note,
  });
}

function buildModel(
  lambdaRaw: number,
  m: number[][],
  u: number[][],
  training: Record<string, unknown>,
): FsModel {
  const comparisons: ModelComparison[] = COMPARISONS.map((c, k) => ({
    id: c.id,
    label: c.label,
    levels: c.levels.map((l, i) => ({ label: l.label, m: round(m[k]![i]!), u: round(u[k]![i]!) })),
  }));
  const lambda = round(lambdaRaw);
  return {
    format: MODEL_FORMAT,
    version: modelVersion(lambda, comparisons),
    created: new Date().toISOString(),
    standardizer: STANDARDIZER_VERSION,
    lambda,
    comparisons,
    training,
  };
}

/** EM sessions: the blocking rules whose pairs are used, and the comparisons left out. */
export const EM_SESSIONS: readonly {
  readonly rules: readonly string[];
  readonly exclude: readonly string[];
}[] = [
  { rules: ['house_zip', 'house_street_city'], exclude: ['address'] },
  { rules: ['dob_family', 'dob_given', 'names'], exclude: ['dob', 'given', 'family'] },
];

async function levelPatterns(
  conn: DuckDBConnection,
  table: string,
  exclude: readonly string[],
): Promise<Pattern[]> {
  const rows = await queryRows<Record<string, number>>(
    conn,
    // In a fixed order: EM sums over the patterns, and floating-point sums depend on order.
    `SELECT ${LEVEL_COLUMNS.join(', ')}, count(*) AS n FROM ${table} GROUP BY ALL ORDER BY ALL`,
  );
  return rows.map((r) => ({
    levels: COMPARISONS.map((c, k) => (exclude.includes(c.id) ? -1 : r[LEVEL_COLUMNS[k]!]!)),
    count: r.n!,
  }));
}

function average(rows: readonly number[][]): number[] | undefined {
  if (rows.length === 0) return undefined;
  return rows[0]!.map((_, i) => rows.reduce((s, r) => s + r[i]!, 0) / rows.length);
}

/** Share of each level per comparison (missing excluded), smoothed so no level has u = 0. */
async function levelDistribution(conn: DuckDBConnection, table: string): Promise<number[][]> {
  const out: number[][] = [];
  for (const [k, c] of COMPARISONS.entries()) {
    const col = LEVEL_COLUMNS[k]!;
    const rows = await queryRows<{ l: number; n: number }>(
      conn,
      `SELECT ${col} AS l, count(*) AS n FROM ${table} WHERE ${col} >= 0 GROUP BY ALL`,
    );
    const counts = new Array<number>(c.levels.length).fill(0);
    for (const r of rows) counts[r.l] = r.n;
    const total = counts.reduce((x, y) => x + y, 0);
    out.push(counts.map((n) => (n + 0.5) / (total + 0.5 * counts.length)));
  }
  return out;
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
