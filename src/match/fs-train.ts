import { STANDARDIZER_VERSION } from '../standardize/index.js';
import { type DuckDBConnection, queryRows, queryValue } from '../store/duckdb.js';
import { COMPARISONS } from './comparisons.js';
import { type FsParameters, type Pattern, runEm } from './em.js';
import { type FsModel, MODEL_FORMAT, type ModelComparison, modelVersion } from './fs-model.js';
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
  await conn.run(`CREATE OR REPLACE TEMP TABLE u_pairs AS
    SELECT r.row_no, p.tin
    FROM (SELECT row_no FROM req_std USING SAMPLE reservoir(${a} ROWS) REPEATABLE (${seed})) r
    CROSS JOIN (SELECT tin FROM mst_person USING SAMPLE reservoir(${b} ROWS) REPEATABLE (${seed + 1})) p`);
  await computePairLevels(conn, 'u_pairs', 'u_levels');
  const u = await levelDistribution(conn, 'u_levels');
  const uPairs = await queryValue<number>(conn, 'SELECT count(*) FROM u_levels');
  await conn.run('DROP TABLE u_pairs; DROP TABLE u_levels');

  await computePairLevels(conn, candidates, 'train_levels');
  const patterns = (
    await queryRows<Record<string, number>>(
      conn,
      `SELECT ${LEVEL_COLUMNS.join(', ')}, count(*) AS n FROM train_levels GROUP BY ALL`,
    )
  ).map((r): Pattern => ({ levels: LEVEL_COLUMNS.map((c) => r[c]!), count: r.n! }));
  const candidatePairs = patterns.reduce((s, p) => s + p.count, 0);
  await conn.run('DROP TABLE train_levels');

  const levelCounts = COMPARISONS.map((c) => c.levels.length);
  const start: FsParameters = {
    lambda: Math.min(0.5, Math.max(1e-6, requests / Math.max(1, candidatePairs))),
    // Start m leaning to the top level: matches mostly agree.
    m: levelCounts.map((n) => {
      const raw = Array.from({ length: n }, (_, l) => 2 ** (2 * l));
      const s = raw.reduce((x, y) => x + y, 0);
      return raw.map((x) => x / s);
    }),
    u,
  };
  const em = runEm(patterns, {
    levelCounts,
    start,
    fixU: true,
    maxIterations: options.maxIterations ?? 500,
    tolerance: 1e-8,
    floor: 1e-6,
  });
  const comparisons: ModelComparison[] = COMPARISONS.map((c, k) => ({
    id: c.id,
    label: c.label,
    levels: c.levels.map((l, i) => ({
      label: l.label,
      m: round(em.params.m[k]![i]!),
      u: round(em.params.u[k]![i]!),
    })),
  }));
  const lambda = round(em.params.lambda);
  return {
    format: MODEL_FORMAT,
    version: modelVersion(lambda, comparisons),
    created: new Date().toISOString(),
    standardizer: STANDARDIZER_VERSION,
    lambda,
    comparisons,
    training: {
      requests,
      master_taxpayers: persons,
      u_sample_pairs: uPairs,
      u_seed: seed,
      candidate_pairs: candidatePairs,
      patterns: patterns.length,
      em_iterations: em.iterations,
      em_converged: em.converged,
      ...options.note,
    },
  };
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
