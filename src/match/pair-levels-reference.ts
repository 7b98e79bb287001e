import type { DuckDBConnection } from '../store/duckdb.js';
import {
  ADDRESS_LEVEL_SQL,
  COMPARISONS,
  dateYmdSql,
  FAMILY_PAIR_FEATURES_SQL,
  GIVEN_PAIR_FEATURES_SQL,
  givenRestSql,
  levelSql,
} from './comparisons.js';
import { ensureNameInfo } from './name-info.js';

/**
 * The reference implementation of `computePairLevels` (the same output without the weight),
 * over the text columns of `req_std`, `mst_person` and `mst_std`: the comparisons written as
 * plainly as SQL allows. Scoring uses the native kernel (native-kernel.ts), and this where the
 * kernel is not built; a test holds the two to the same levels on every pair of a synthetic batch.
 */
export async function computePairLevelsReference(
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
      FROM (SELECT row_no, lpad(tin::VARCHAR, 9, '0') AS tin FROM ${pairs}) c
      JOIN (SELECT row_no, addr_key AS r_addr_key, house_number AS r_house_number, street_name AS r_street_name,
                   zip5 AS r_zip5, city_std AS r_city_std, state_std AS r_state_std FROM req_std) r USING (row_no)
      JOIN (SELECT tin, is_current, addr_key AS a_addr_key, house_number AS a_house_number, street_name AS a_street_name,
                   zip5 AS a_zip5, city_std AS a_city_std, state_std AS a_state_std FROM mst_std) a USING (tin)
    ) GROUP BY row_no, tin`);

  await ensureNameInfo(conn);
  // Per pair, oriented so that given and family names written the other way round are compared
  // swapped. The only list that travels through this join is the taxpayer's family tokens.
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE pair_oriented AS
    WITH base AS (
      SELECT c.row_no, c.tin,
        -- Given and family names written the other way round. Tested lazily (CASE), cheapest
        -- first: the Jaro-Winkler scores are computed only where the names could be swapped.
        CASE WHEN r.given_first IS NULL OR r.family_first IS NULL OR p.given_first IS NULL OR p.family_first IS NULL
               OR r.given_first = p.given_first THEN false
             WHEN NOT (jaro_winkler_similarity(r.given_first, p.family_first) >= 0.92
               OR coalesce(list_contains(p.family_tokens, r.given_first), false)) THEN false
             ELSE jaro_winkler_similarity(r.family_first, p.given_first) >= 0.92
               OR r.family_first = p.given_first OR v.name IS NOT NULL END AS swapped,
        r.given_first AS rg, r.given_std AS rgs, r.family_std AS rf, r.family_first AS rff,
        p.given_first AS p_given_first, p.given_rest AS p_given_rest,
        p.family_std AS p_family_std,
        r.middle_std AS r_middle_std, r.middle_initial AS r_middle_initial, p.middle_std AS p_middle_std, p.middle_initial AS p_middle_initial,
        r.name_suffix_std AS r_suffix, p.name_suffix_std AS p_suffix,
        ${dateYmdSql('r.dob')} AS r_dob, ${dateYmdSql('p.dob')} AS p_dob, r.tin_std AS r_tin, p.tin AS p_tin,
        a.addr_level, a.addr_current
      FROM (SELECT row_no, lpad(tin::VARCHAR, 9, '0') AS tin FROM ${pairs}) c JOIN req_std r USING (row_no) JOIN mst_person p USING (tin) LEFT JOIN pair_addr a USING (row_no, tin)
      -- Is the request's family name a spelling of the taxpayer's given name (nickname lists)?
      LEFT JOIN name_variant_pairs v ON v.name = p.given_first AND v.variant = r.family_first
    )
    SELECT * EXCLUDE (rg, rgs, rf, rff),
      CASE WHEN swapped THEN rff ELSE rg END AS r_given_first,
      -- Given names after the first (MARIA *GUADALUPE*), to tell compound names apart.
      CASE WHEN swapped THEN NULL ELSE ${givenRestSql('rgs', 'rg')} END AS r_given_rest,
      CASE WHEN swapped THEN rgs ELSE rf END AS r_family_std
    FROM base`);

  // Name similarities once per distinct pair of values; family tokens looked up by value.
  await conn.run(`CREATE OR REPLACE TEMP TABLE family_info_r AS
    SELECT family_std AS value, any_value(family_tokens) AS tokens, any_value(family_first) AS first, any_value(family_phonetic) AS phonetic
    FROM req_std WHERE family_std IN (SELECT DISTINCT r_family_std FROM pair_oriented WHERE NOT swapped) GROUP BY family_std`);
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE given_sim AS
    SELECT rg, pg, ${GIVEN_PAIR_FEATURES_SQL}
    FROM (SELECT DISTINCT r_given_first AS rg, p_given_first AS pg FROM pair_oriented WHERE r_given_first IS NOT NULL AND p_given_first IS NOT NULL)
    LEFT JOIN name_info gi_r ON gi_r.name = rg LEFT JOIN name_info gi_p ON gi_p.name = pg`);
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE family_sim AS
    SELECT rf, pf, swapped, ${FAMILY_PAIR_FEATURES_SQL}
    FROM (
      SELECT d.rf, d.pf, d.swapped,
        CASE WHEN d.swapped THEN string_split(d.rf, ' ') ELSE fr.tokens END AS r_tokens,
        CASE WHEN d.swapped THEN split_part(d.rf, ' ', 1) ELSE fr.first END AS r_first,
        CASE WHEN d.swapped THEN soundex(split_part(d.rf, ' ', 1)) ELSE fr.phonetic END AS r_phonetic,
        fp.tokens AS p_tokens, fp.first AS p_first, fp.phonetic AS p_phonetic
      FROM (SELECT DISTINCT r_family_std AS rf, p_family_std AS pf, swapped FROM pair_oriented WHERE r_family_std IS NOT NULL AND p_family_std IS NOT NULL) d
      LEFT JOIN family_info_r fr ON fr.value = d.rf
      LEFT JOIN tf_family fp ON fp.value = d.pf
    )`);

  // The master frequency of the request's names (for scoring): looked up once per request, for
  // both orientations, instead of once per pair.
  await conn.run(`CREATE OR REPLACE TEMP TABLE req_tf AS
      SELECT r.row_no, g.p AS g_p, gs.p AS g_swapped_p, f.p AS f_p, fs.p AS f_swapped_p
      FROM req_std r
      LEFT JOIN tf_given g ON g.value = r.given_first LEFT JOIN tf_given gs ON gs.value = r.family_first
      LEFT JOIN tf_family f ON f.value = r.family_std LEFT JOIN tf_family fs ON fs.value = r.given_std`);
  const nameLevels = COMPARISONS.filter((c) => c.id === 'given' || c.id === 'family');
  await conn.run(`
    CREATE OR REPLACE TABLE ${target} AS
    WITH named AS (
      SELECT o.*, g.g_equiv, g.g_close, g.g_similar, f.f_subset, f.f_shared, f.f_phonetic
        , t.g_p, t.g_swapped_p, t.f_p, t.f_swapped_p
      FROM pair_oriented o
      LEFT JOIN given_sim g ON g.rg = o.r_given_first AND g.pg = o.p_given_first
      LEFT JOIN family_sim f ON f.rf = o.r_family_std AND f.pf = o.p_family_std AND f.swapped = o.swapped
      LEFT JOIN req_tf t USING (row_no)
    ),
    leveled AS (
      SELECT *, ${nameLevels.map((c) => `${levelSql(c)} AS l_${c.id}`).join(', ')} FROM (
        SELECT *, (length(p_middle_std) = 1 AND r_given_first[1] = p_middle_std) AS g_middle_initial,
          (length(r_given_first) > 1 AND r_given_first = p_middle_std) AS g_middle_full
        FROM named)
    ),
    flagged AS (
      SELECT *, (r_tin IS NOT NULL AND r_tin = p_tin AND (l_given = 0 OR l_family = 0)) AS tin_name_conflict FROM leveled
    ),
    pair_levels AS (
      SELECT row_no, tin::INTEGER AS tin, swapped, addr_current,
        coalesce(r_suffix = p_suffix, false) AS suffix_pair,
        CASE WHEN swapped THEN g_swapped_p ELSE g_p END AS tf_given_p, CASE WHEN swapped THEN f_swapped_p ELSE f_p END AS tf_family_p,
        ${COMPARISONS.map((c) => (nameLevels.includes(c) ? `l_${c.id}` : `${levelSql(c)} AS l_${c.id}`)).join(', ')}
      FROM flagged
    )
    SELECT * FROM pair_levels`);
  await conn.run(
    'DROP TABLE req_tf; DROP TABLE pair_addr; DROP TABLE pair_oriented; DROP TABLE given_sim; DROP TABLE family_sim; DROP TABLE family_info_r',
  );
}
