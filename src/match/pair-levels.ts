import type { DuckDBConnection } from '../store/duckdb.js';
import { comparisonFieldsSql, REQUEST_FIELDS } from './compare-master.js';
import { COMPARISONS } from './comparisons.js';
import type { FsModel } from './fs-model.js';
import { scoreSql } from './fs-score.js';
import {
  type ComparisonEngine,
  comparisonEngine,
  kernelModelId,
  PACKED_FLAGS,
  PACKED_LEVELS,
  packedFlagSql,
  packedLevelSql,
  registerKernel,
  releaseScored,
  type StepTimes,
  scoreInKernel,
  stepTimer,
} from './native-kernel.js';
import { computePairLevelsReference } from './pair-levels-reference.js';

/** Column names of the level columns, in comparison order. */
export const LEVEL_COLUMNS = COMPARISONS.map((c) => `l_${c.id}`);

/**
 * Scores a set of (row_no, tin) pairs with `model`: `target` is a view with one row per pair,
 * `(row_no, tin, swapped, addr_current, suffix_pair, tf_given_p, tf_family_p, l_given, l_family,
 * l_middle, l_suffix, l_dob, l_address, l_tin, weight)` (`tin` an integer; -1 a missing level;
 * `weight` the log2 likelihood ratio plus the prior). Behind it, `<target>_packed(row_no, tin, k,
 * weight)` holds the levels packed in one integer (native-kernel.ts, PACKED_LEVELS) — the
 * pairs are many and every column of every pair costs time to write; with the native kernel a
 * view of the scores it keeps in its memory (custodian_scored), with the SQL reference a table —
 * and `<target>_tf` the requests' name frequencies; `dropScored`
 * removes all three (and frees the kernel's memory).
 *
 * Reads `req_std` (standardised requests), `mst_cmp` (the taxpayers' comparison records,
 * compare-master.ts) and `tf_given` / `tf_family` (name frequencies). The levels are those of
 * comparisons.ts; the native kernel computes them and the weight in one pass over the pairs,
 * the SQL reference (pair-levels-reference.ts, fs-score.ts) where the kernel is not built.
 * Returns the engine that did; `steps`, when given, gets each step's milliseconds added.
 */
export async function scorePairs(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
  model: FsModel,
  engine: ComparisonEngine = comparisonEngine(),
  steps?: StepTimes,
): Promise<ComparisonEngine> {
  const step = stepTimer(steps);
  await step('request frequencies', () => requestFrequencies(conn, `${target}_tf`));
  if (engine === 'sql') {
    await step('levels and weights (SQL)', async () => {
      await computePairLevelsReference(conn, pairs, 'pair_levels_sql');
      await conn.run(`CREATE OR REPLACE TABLE ${target}_packed AS
      SELECT row_no, tin, ${packLevelsSql()} AS k, weight FROM (${scoreSql('pair_levels_sql', model)})`);
      await conn.run('DROP TABLE pair_levels_sql');
    });
  } else {
    await compareNative(conn, pairs, target, `${target}_tf`, await kernelModelId(model), steps);
  }
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW ${target} AS ${unpackedSql(`${target}_packed`, `${target}_tf`, true)}`,
  );
  return engine;
}

/** The kernel's request sets holding scores, by connection and `scorePairs` target. */
const kernelSets = new WeakMap<DuckDBConnection, Map<string, number>>();

/** Drops what `scorePairs` made for `target`, and frees the kernel's memory of it. */
export async function dropScored(conn: DuckDBConnection, target: string): Promise<void> {
  const sets = kernelSets.get(conn);
  const set = sets?.get(target);
  await conn.run(
    `DROP VIEW IF EXISTS ${target}; ${set === undefined ? 'DROP TABLE' : 'DROP VIEW'} IF EXISTS ${target}_packed; DROP TABLE IF EXISTS ${target}_tf`,
  );
  if (set !== undefined) {
    sets!.delete(target);
    releaseScored(set);
  }
}

/**
 * Comparison levels for a set of (row_no, tin) pairs, unweighted, as a table with the columns of
 * `scorePairs`'s view but `weight`: training's samples and the tests read them.
 */
export async function computePairLevels(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
  engine: ComparisonEngine = comparisonEngine(),
): Promise<ComparisonEngine> {
  if (engine === 'sql') {
    await computePairLevelsReference(conn, pairs, target);
    return engine;
  }
  const work = 'pair_levels_kernel';
  await requestFrequencies(conn, `${work}_tf`);
  await compareNative(conn, pairs, work, `${work}_tf`, 0);
  try {
    await conn.run(
      `CREATE OR REPLACE TABLE ${target} AS ${unpackedSql(`${work}_packed`, `${work}_tf`, false)}`,
    );
  } finally {
    await dropScored(conn, work);
  }
  return engine;
}

/**
 * `<target>_packed(row_no, tin, k, weight)` from the native kernel: a view of the scores the
 * kernel keeps (scoreInKernel) until `dropScored(conn, target)`. `tf`: the requests' name
 * frequencies (made by requestFrequencies). `modelId`: a model registered with the kernel, or 0
 * for levels only (weight 0).
 */
async function compareNative(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
  tf: string,
  modelId: number,
  steps?: StepTimes,
): Promise<void> {
  await registerKernel(conn);
  const sets = kernelSets.get(conn) ?? new Map<string, number>();
  kernelSets.set(conn, sets);
  // Scores of an earlier run under this name are replaced (as CREATE OR REPLACE would).
  const earlier = sets.get(target);
  if (earlier !== undefined) {
    sets.delete(target);
    releaseScored(earlier);
  }
  const set = await scoreInKernel(conn, pairs, requestFieldsSql(tf), modelId, steps);
  sets.set(target, set);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${target}_packed AS SELECT * FROM custodian_scored(${set})`);
}

/**
 * The master frequency of each request's given and family names, as written and with given and
 * family swapped (the weight of an exact name agreement reads the one matching the pair's
 * orientation): `target(row_no, g_p, g_swapped_p, f_p, f_swapped_p)`.
 */
async function requestFrequencies(conn: DuckDBConnection, target: string): Promise<void> {
  // The look-ups read only the names (a request's row is wide, and each join would carry it).
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${target} AS
    SELECT r.row_no, g.p AS g_p, gs.p AS g_swapped_p, f.p AS f_p, fs.p AS f_swapped_p
    FROM (SELECT row_no, given_first, family_first, family_std, given_std FROM req_std) r
    LEFT JOIN tf_given g ON g.value = r.given_first LEFT JOIN tf_given gs ON gs.value = r.family_first
    LEFT JOIN tf_family f ON f.value = r.family_std LEFT JOIN tf_family fs ON fs.value = r.given_std`);
}

/**
 * The requests' fields as the kernel loads them, `(row_no, <REQUEST_FIELDS>)`: their comparison
 * fields as the taxpayers' are (compare-master.ts), with what only the request side needs — the
 * whole given name, the TIN — and the name frequencies of `tf` (requestFrequencies).
 */
export function requestFieldsSql(tf: string): string {
  const fields = `SELECT r.row_no, ${comparisonFieldsSql('r.')}, r.given_std AS gs, r.tin_std::INTEGER AS rtin,
      t.g_p, t.g_swapped_p, t.f_p, t.f_swapped_p
    FROM req_std r JOIN ${tf} t USING (row_no)`;
  return `SELECT row_no, ${REQUEST_FIELDS.join(', ')} FROM (${fields})`;
}

/** SQL packing a row's levels and flags into the kernel's integer (the SQL engine's path). */
function packLevelsSql(): string {
  const levels = PACKED_LEVELS.map((id, i) => {
    const missingAllowed = !(id === 'suffix' || id === 'address');
    return `((l_${id}${missingAllowed ? ' + 1' : ''})::BIGINT << ${i * 3})`;
  });
  const flags = PACKED_FLAGS.map(
    (f, i) =>
      `((${f === 'address_current' ? 'addr_current' : f})::BIGINT << ${PACKED_LEVELS.length * 3 + i})`,
  );
  return [...levels, ...flags].join(' | ');
}

/** The packed table `packed` read back as levels, with the request's name frequencies (`tf`). */
function unpackedSql(packed: string, tf: string, withWeight: boolean): string {
  const swapped = packedFlagSql('s.k', 'swapped');
  return `SELECT s.row_no, s.tin, ${swapped} AS swapped, ${packedFlagSql('s.k', 'address_current')} AS addr_current,
      ${packedFlagSql('s.k', 'suffix_pair')} AS suffix_pair,
      CASE WHEN ${swapped} THEN t.g_swapped_p ELSE t.g_p END AS tf_given_p,
      CASE WHEN ${swapped} THEN t.f_swapped_p ELSE t.f_p END AS tf_family_p,
      ${PACKED_LEVELS.map((id) => `${packedLevelSql('s.k', id)} AS l_${id}`).join(', ')}
      ${withWeight ? ', s.weight' : ''}
    FROM ${packed} s LEFT JOIN ${tf} t USING (row_no)`;
}
