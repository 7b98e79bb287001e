import type { DuckDBConnection } from '../store/duckdb.js';
import { ADDRESS_LEVEL_SQL, COMPARISONS, levelSql } from './comparisons.js';

/**
 * Comparison levels for a set of (row_no, tin) pairs: `target(row_no, tin, swapped, addr_level,
 * addr_current, tin_name_conflict, l_given, l_family, …)`. Shared by training (random and
 * blocked pairs) and scoring, so the model is trained on exactly what it scores.
 *
 * Reads `req_std` (standardised requests), `mst_person` (one row per taxpayer) and `mst_std`
 * (all addresses of record).
 */
export async function computePairLevels(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
): Promise<void> {
  // Best address level over every address of record of the taxpayer (rule C1: current or earlier).
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE pair_addr AS
    SELECT row_no, tin, max(level) AS addr_level, arg_max(is_current, level * 2 + is_current::INT) AS addr_current
    FROM (
      SELECT c.row_no, c.tin, a.is_current, ${ADDRESS_LEVEL_SQL.replaceAll('\n', ' ')} AS level
      FROM ${pairs} c
      JOIN (SELECT row_no, addr_key AS r_addr_key, house_number AS r_house_number, street_name AS r_street_name,
                   zip5 AS r_zip5, city_std AS r_city_std, state_std AS r_state_std FROM req_std) r USING (row_no)
      JOIN (SELECT tin, is_current, addr_key AS a_addr_key, house_number AS a_house_number, street_name AS a_street_name,
                   zip5 AS a_zip5, city_std AS a_city_std, state_std AS a_state_std FROM mst_std) a USING (tin)
    ) GROUP BY row_no, tin`);

  const nameLevels = COMPARISONS.filter((c) => c.id === 'given' || c.id === 'family');
  await conn.run(`
    CREATE OR REPLACE TABLE ${target} AS
    WITH base AS (
      SELECT c.row_no, c.tin,
        -- Given and family names written the other way round are compared swapped.
        (r.given_first IS DISTINCT FROM p.given_first
          AND (list_contains(p.family_tokens, r.given_first) OR jaro_winkler_similarity(r.given_first, p.family_first) >= 0.92)
          AND (list_contains(p.given_variants, r.family_first) OR jaro_winkler_similarity(r.family_first, p.given_first) >= 0.92)) AS swapped,
        r.given_first AS rg, r.given_formals AS rgf, coalesce(ff.formals, [r.family_first]) AS rff_formals, r.family_std AS rf, r.family_tokens AS rft, r.family_first AS rff,
        r.family_phonetic AS rfp, r.given_std AS rgs,
        p.given_first AS p_given_first, p.given_formals AS p_given_formals, p.given_variants AS p_given_variants,
        nullif(trim(substr(p.given_std, length(p.given_first) + 1)), '') AS p_given_rest,
        p.family_std AS p_family_std, p.family_tokens AS p_family_tokens, p.family_first AS p_family_first, p.family_phonetic AS p_family_phonetic,
        r.middle_std AS r_middle_std, r.middle_initial AS r_middle_initial, p.middle_std AS p_middle_std, p.middle_initial AS p_middle_initial,
        r.name_suffix_std AS r_suffix, p.name_suffix_std AS p_suffix,
        r.dob AS r_dob, p.dob AS p_dob, r.tin_std AS r_tin, p.tin AS p_tin,
        a.addr_level, a.addr_current
      FROM ${pairs} c JOIN req_std r USING (row_no) JOIN mst_person p USING (tin) LEFT JOIN pair_addr a USING (row_no, tin)
        LEFT JOIN std_given_formals ff ON ff.name = r.family_first
    ),
    oriented AS (
      SELECT *,
        CASE WHEN swapped THEN rff ELSE rg END AS r_given_first,
        -- Given names after the first (MARIA *GUADALUPE*), to tell compound names apart.
        CASE WHEN swapped THEN NULL ELSE nullif(trim(substr(rgs, length(rg) + 1)), '') END AS r_given_rest,
        CASE WHEN swapped THEN rff_formals ELSE rgf END AS r_given_formals,
        CASE WHEN swapped THEN rgs ELSE rf END AS r_family_std,
        CASE WHEN swapped THEN string_split(rgs, ' ') ELSE rft END AS r_family_tokens,
        CASE WHEN swapped THEN rg ELSE rff END AS r_family_first,
        CASE WHEN swapped THEN soundex(rg) ELSE rfp END AS r_family_phonetic
      FROM base
    ),
    named AS (
      SELECT *, ${nameLevels.map((c) => `${levelSql(c)} AS l_${c.id}`).join(', ')} FROM oriented
    ),
    flagged AS (
      SELECT *, (r_tin IS NOT NULL AND r_tin = p_tin AND (l_given = 0 OR l_family = 0)) AS tin_name_conflict FROM named
    )
    SELECT row_no, tin, swapped, addr_level, addr_current, tin_name_conflict,
      (r_suffix IS NOT NULL AND r_suffix = p_suffix) AS suffix_pair, r_given_first AS given_value, r_family_std AS family_value,
      ${COMPARISONS.map((c) => (nameLevels.includes(c) ? `l_${c.id}` : `${levelSql(c)} AS l_${c.id}`)).join(', ')}
    FROM flagged`);
  await conn.run('DROP TABLE pair_addr');
}

/** Column names of the level columns, in comparison order. */
export const LEVEL_COLUMNS = COMPARISONS.map((c) => `l_${c.id}`);
