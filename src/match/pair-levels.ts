import type { DuckDBConnection } from '../store/duckdb.js';
import { comparisonFieldsSql, requestRecordSql } from './compare-master.js';
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
  withRequestSet,
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
 * pairs are many and every column of every pair costs time to write — and `<target>_tf` the
 * requests' name frequencies (and comparison records); `dropScored` removes all three.
 *
 * Reads `req_std` (standardised requests), `mst_cmp` (the taxpayers' comparison records,
 * compare-master.ts) and `tf_given` / `tf_family` (name frequencies). The levels are those of
 * comparisons.ts; the native kernel computes them and the weight in one pass over the pairs,
 * the SQL reference (pair-levels-reference.ts, fs-score.ts) where the kernel is not built.
 * Returns the engine that did.
 */
export async function scorePairs(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
  model: FsModel,
  engine: ComparisonEngine = comparisonEngine(),
): Promise<ComparisonEngine> {
  await requestFrequencies(conn, `${target}_tf`, engine === 'native');
  if (engine === 'sql') {
    await computePairLevelsReference(conn, pairs, 'pair_levels_sql');
    await conn.run(`CREATE OR REPLACE TABLE ${target}_packed AS
      SELECT row_no, tin, ${packLevelsSql()} AS k, weight FROM (${scoreSql('pair_levels_sql', model)})`);
    await conn.run('DROP TABLE pair_levels_sql');
  } else {
    await compareNative(conn, pairs, `${target}_packed`, `${target}_tf`, await kernelModelId(model));
  }
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW ${target} AS ${unpackedSql(`${target}_packed`, `${target}_tf`, true)}`,
  );
  return engine;
}

/** Drops what `scorePairs` made for `target`. */
export async function dropScored(conn: DuckDBConnection, target: string): Promise<void> {
  await conn.run(
    `DROP VIEW IF EXISTS ${target}; DROP TABLE IF EXISTS ${target}_packed; DROP TABLE IF EXISTS ${target}_tf`,
  );
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
  await requestFrequencies(conn, 'pair_levels_tf', true);
  await compareNative(conn, pairs, 'pair_levels_packed', 'pair_levels_tf', 0);
  await conn.run(
    `CREATE OR REPLACE TABLE ${target} AS ${unpackedSql('pair_levels_packed', 'pair_levels_tf', false)}`,
  );
  await conn.run('DROP TABLE pair_levels_packed; DROP TABLE pair_levels_tf');
  return engine;
}

/**
 * `target(row_no, tin, k, weight)` from the native kernel: the requests' records (`requests`,
 * made by requestFrequencies) loaded into the kernel, then one statement joins the pairs with the
 * taxpayers' records and calls the kernel per pair. `modelId`: a model registered with the
 * kernel, or 0 for levels only (weight 0).
 */
async function compareNative(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
  requests: string,
  modelId: number,
): Promise<void> {
  await registerKernel(conn);
  // The requests are loaded into the kernel's memory once each (withRequestSet); the pairs are
  // the hash table the taxpayers stream through, and the kernel is called as the pairs stream
  // by. The join is written in that order and DuckDB's optimiser told to keep it: estimating
  // from row counts alone, it builds the hash table from the taxpayers when a chunk has more
  // pairs than the master has taxpayers (every taxpayer's record in memory).
  await withRequestSet(conn, requests, async (set) => {
    await conn.run("SET disabled_optimizers = 'join_order,build_side_probe_side'");
    try {
      await conn.run(`CREATE OR REPLACE TABLE ${target} AS
        SELECT row_no, tin, s.k AS k, s.weight AS weight FROM (
          SELECT c.row_no, p.tin, custodian_compare(${set}, c.row_no, p.tin, p.rec, ${modelId}) AS s
          FROM mst_cmp p JOIN ${pairs} c ON p.tin = c.tin::INTEGER)`);
    } finally {
      await conn.run("SET disabled_optimizers = ''");
    }
  });
}

/**
 * The master frequency of each request's given and family names, as written and with given and
 * family swapped (the weight of an exact name agreement reads the one matching the pair's
 * orientation): `target(row_no, g_p, g_swapped_p, f_p, f_swapped_p)`, and with `records`, each
 * request's comparison record `rec` for the kernel (compare-master.ts): its fields as the
 * taxpayers' are, with what only the request side needs — the whole given name (read as a family
 * name when names are written the other way round) and these frequencies.
 */
async function requestFrequencies(conn: DuckDBConnection, target: string, records: boolean): Promise<void> {
  const frequencies = `SELECT r.*, g.p AS g_p, gs.p AS g_swapped_p, f.p AS f_p, fs.p AS f_swapped_p
    FROM req_std r
    LEFT JOIN tf_given g ON g.value = r.given_first LEFT JOIN tf_given gs ON gs.value = r.family_first
    LEFT JOIN tf_family f ON f.value = r.family_std LEFT JOIN tf_family fs ON fs.value = r.given_std`;
  if (!records) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${target} AS
      SELECT row_no, g_p, g_swapped_p, f_p, f_swapped_p FROM (${frequencies})`);
    return;
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${target} AS
    SELECT row_no, g_p, g_swapped_p, f_p, f_swapped_p, ${requestRecordSql()} AS rec FROM (
      SELECT r.row_no, ${comparisonFieldsSql('r.')}, r.given_std AS gs, r.tin_std::INTEGER AS rtin,
        r.g_p, r.g_swapped_p, r.f_p, r.f_swapped_p
      FROM (${frequencies}) r)`);
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
