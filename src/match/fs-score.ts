import type { DuckDBConnection } from '../store/duckdb.js';
import { COMPARISONS } from './comparisons.js';
import { type FsModel, levelWeight, priorWeight } from './fs-model.js';

/**
 * Term-frequency tables over the master's taxpayers: how common each given name and family
 * name is. An exact agreement on a rare name is strong evidence; on a common one, weak.
 */
export async function buildTermFrequencies(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE tf_given AS
    SELECT given_first AS value, count(*) / (SELECT count(*) FROM mst_person) AS p FROM mst_person WHERE given_first IS NOT NULL GROUP BY ALL`);
  await conn.run(`CREATE OR REPLACE TABLE tf_family AS
    SELECT family_std AS value, count(*) / (SELECT count(*) FROM mst_person) AS p FROM mst_person WHERE family_std IS NOT NULL GROUP BY ALL`);
}

/** SQL for the match weight of one comparison at the pair's level (0 when missing). */
function weightSql(model: FsModel, k: number): string {
  const c = COMPARISONS[k]!;
  const mc = model.comparisons[k]!;
  const cases = mc.levels.map((l, i) => {
    const tf = c.levels[i]!.tf;
    const w = tf ? `log2(${l.m} / greatest(coalesce(tf_${tf}.p, ${l.u}), 1e-9))` : levelWeight(l).toFixed(6);
    return `WHEN ${i} THEN ${w}`;
  });
  return `CASE l_${c.id} ${cases.join(' ')} ELSE 0 END`;
}

/**
 * The SELECT that scores the pair levels in `levels` (a table or a WITH name): its columns plus
 * `w_<comparison>`, `weight` (the log2 likelihood ratio plus the prior) and `probability`
 * (2^w / (1 + 2^w)).
 */
export function scoreSql(levels: string, model: FsModel): string {
  const weights = COMPARISONS.map((c, k) => `${weightSql(model, k)} AS w_${c.id}`);
  const sum = COMPARISONS.map((c) => `w_${c.id}`).join(' + ');
  return `
    SELECT *, 1 / (1 + pow(2, -weight)) AS probability FROM (
      SELECT *, ${priorWeight(model).toFixed(6)} + ${sum} AS weight FROM (
        SELECT l.*, ${weights.join(', ')}
        FROM ${levels} l
        LEFT JOIN tf_given ON tf_given.value = l.given_value
        LEFT JOIN tf_family ON tf_family.value = l.family_value
      )
    )`;
}

/** Scores a table of pair levels into `target` (see `scoreSql`). */
export async function scorePairs(
  conn: DuckDBConnection,
  levels: string,
  target: string,
  model: FsModel,
): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${target} AS ${scoreSql(levels, model)}`);
}
