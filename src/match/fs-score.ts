import type { DuckDBConnection } from '../store/duckdb.js';
import { COMPARISONS } from './comparisons.js';
import { type FsModel, levelWeight, priorWeight } from './fs-model.js';

/**
 * Term-frequency tables over the master's taxpayers: how common each given name and family
 * name is. An exact agreement on a rare name is strong evidence; on a common one, weak.
 * `into`: where `mst_person` is and the tables go (a catalog and schema prefix, or none).
 */
export async function buildTermFrequencies(conn: DuckDBConnection, into = ''): Promise<void> {
  const persons = `${into}mst_person`;
  await conn.run(`CREATE OR REPLACE TABLE ${into}tf_given AS
    SELECT given_first AS value, count(*) / (SELECT count(*) FROM ${persons}) AS p FROM ${persons} WHERE given_first IS NOT NULL GROUP BY ALL`);
  // With each family name, its tokens, first token and Soundex (functions of the name): the
  // comparisons look them up here, once per distinct name, instead of scanning the persons.
  await conn.run(`CREATE OR REPLACE TABLE ${into}tf_family AS
    SELECT family_std AS value, count(*) / (SELECT count(*) FROM ${persons}) AS p,
      any_value(family_tokens) AS tokens, any_value(family_first) AS first, any_value(family_phonetic) AS phonetic
    FROM ${persons} WHERE family_std IS NOT NULL GROUP BY family_std`);
}

/** SQL for the match weight of one comparison at the pair's level (0 when missing). */
function weightSql(model: FsModel, k: number): string {
  const c = COMPARISONS[k]!;
  const mc = model.comparisons[k]!;
  const cases = mc.levels.map((l, i) => {
    const tf = c.levels[i]!.tf;
    const w = tf
      ? `log2(${l.m} / greatest(coalesce(l.tf_${tf}_p, ${l.u}), 1e-9))`
      : levelWeight(l).toFixed(6);
    return `WHEN ${i} THEN ${w}`;
  });
  return `CASE l_${c.id} ${cases.join(' ')} ELSE 0 END`;
}

/**
 * The SELECT that scores the pair levels in `levels` (a table or a WITH name, as made by
 * `computePairLevels`): its columns plus `w_<comparison>`, `weight` (the log2 likelihood ratio
 * plus the prior) and `probability` (2^w / (1 + 2^w)). An exact name agreement is weighed by the
 * master frequency of that name (`tf_given_p`, `tf_family_p`, carried by the levels).
 */
export function scoreSql(levels: string, model: FsModel): string {
  const weights = COMPARISONS.map((c, k) => `${weightSql(model, k)} AS w_${c.id}`);
  const sum = COMPARISONS.map((c) => `w_${c.id}`).join(' + ');
  return `
    SELECT *, 1 / (1 + pow(2, -weight)) AS probability FROM (
      SELECT *, ${priorWeight(model).toFixed(6)} + ${sum} AS weight FROM (
        SELECT l.*, ${weights.join(', ')} FROM ${levels} l
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
