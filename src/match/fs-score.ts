import type { DuckDBConnection } from '../store/duckdb.js';
import { COMPARISONS } from './comparisons.js';
import { type FsModel, levelWeight, priorWeight } from './fs-model.js';

/**
 * Term-frequency tables over the master's taxpayers: how common each given name and family
 * name is. An exact agreement on a rare name is strong evidence; on a common one, weak.
 * Reads `mst_person`; `into`: where the tables go (a catalog and schema prefix, or none).
 */
export async function buildTermFrequencies(conn: DuckDBConnection, into = ''): Promise<void> {
  const persons = 'mst_person';
  await conn.run(`CREATE OR REPLACE TABLE ${into}tf_given AS
    SELECT given_first AS value, hash(given_first) AS h, count(*) / (SELECT count(*) FROM ${persons}) AS p
    FROM ${persons} WHERE given_first IS NOT NULL GROUP BY given_first`);
  // Each name with its hash (\`valueHashSql\`), as the comparisons look it up.
  // With each family name, its tokens, first token and Soundex (functions of the name): the
  // comparisons look them up here, once per distinct name, instead of scanning the persons.
  await conn.run(`CREATE OR REPLACE TABLE ${into}tf_family AS
    SELECT family_std AS value, hash(family_std) AS h, count(*) / (SELECT count(*) FROM ${persons}) AS p,
      any_value(family_tokens) AS tokens, any_value(family_first) AS first, any_value(family_phonetic) AS phonetic
    FROM ${persons} WHERE family_std IS NOT NULL GROUP BY family_std`);
}

/**
 * SQL for the match weight of comparison `k` at the pair's level (0 when missing), over a row
 * `alias` holding the level `l_<comparison>` and the name frequencies `tf_given_p`, `tf_family_p`.
 */
export function fieldWeightSql(model: FsModel, k: number, alias = 'l'): string {
  const c = COMPARISONS[k]!;
  const mc = model.comparisons[k]!;
  const cases = mc.levels.map((l, i) => {
    const tf = c.levels[i]!.tf;
    const w = tf
      ? `log2(${l.m} / greatest(coalesce(${alias}.tf_${tf}_p, ${l.u}), 1e-9))`
      : levelWeight(l).toFixed(6);
    return `WHEN ${i} THEN ${w}`;
  });
  return `CASE ${alias}.l_${c.id} ${cases.join(' ')} ELSE 0 END`;
}

/**
 * The SELECT that scores the pair levels in `levels` (a table or a WITH name, as made by
 * `computePairLevels`): its columns plus `weight`, the log2 likelihood ratio plus the prior (the
 * match probability is 2^w / (1 + 2^w)). An exact name agreement is weighed by the master
 * frequency of that name (`tf_given_p`, `tf_family_p`, carried by the levels). The weight of
 * each field is not kept per pair: the decision recomputes it for the candidates it reports.
 */
export function scoreSql(levels: string, model: FsModel): string {
  const sum = COMPARISONS.map((_, k) => fieldWeightSql(model, k, 'l')).join(' + ');
  return `SELECT l.*, ${priorWeight(model).toFixed(6)} + ${sum} AS weight FROM ${levels} l`;
}

/** The match probability of a weight (SQL). */
export function probabilitySql(weight: string): string {
  return `1 / (1 + pow(2, -(${weight})))`;
}

/** Scores a table of pair levels into `target` (see `scoreSql`). */
export async function scoreLevels(
  conn: DuckDBConnection,
  levels: string,
  target: string,
  model: FsModel,
): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${target} AS ${scoreSql(levels, model)}`);
}
