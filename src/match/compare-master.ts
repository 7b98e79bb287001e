import type { DuckDBConnection } from '../store/duckdb.js';
import { dateYmdSql, givenRestSql } from './comparisons.js';

/**
 * A value as the comparisons hold it: its 64-bit hash (NULL stays NULL). Names, address keys
 * and localities are compared for equality through these — an integer comparison instead of a
 * text one, and integer joins instead of text joins. Two different values share a hash with
 * probability 2^-64 per comparison: over the ~10^8 equality tests of a 1M-request batch against
 * 100M rows, about 10^-11 (docs/decisions/0003-hashed-comparison-values.md).
 */
export function valueHashSql(x: string): string {
  return `CASE WHEN (${x}) IS NULL THEN NULL ELSE hash(${x}) END`;
}

/** City and state, compared together (both must be present). */
export function localityHashSql(city: string, state: string): string {
  return `CASE WHEN (${city}) IS NULL OR (${state}) IS NULL THEN NULL ELSE hash(${city}, ${state}) END`;
}

/**
 * The address fields the address comparison reads, encoded, from a row with the standard
 * columns: the house number and the whole address as hashes, the ZIP (five digits) as an integer,
 * the street name as text (its spelling is compared).
 */
export function addressFieldsSql(prefix: string): string {
  return `${valueHashSql(`${prefix}addr_key`)} AS ak, ${valueHashSql(`${prefix}house_number`)} AS hn, ${prefix}street_name AS sn,
    ${prefix}zip5::INTEGER AS zip, ${localityHashSql(`${prefix}city_std`, `${prefix}state_std`)} AS loc`;
}

/**
 * `mst_cmp`: one row per taxpayer with everything the comparisons read, encoded — names as
 * hashes, the birth date as YYYYMMDD, the current address as columns and the earlier addresses of record as a list (NULL
 * for most taxpayers, who have one). Scoring joins the candidate pairs to this table alone,
 * instead of to the persons and to every address row. Built with `mst_person` (from `mst_std`).
 */
export async function buildComparisonMaster(conn: DuckDBConnection, into = ''): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${into}mst_cmp AS
    WITH prior AS (
      SELECT tin, list({'ak': ak, 'hn': hn, 'sn': sn, 'zip': zip, 'loc': loc}) AS prior
      FROM (SELECT tin, ${addressFieldsSql('')} FROM mst_std WHERE NOT is_current)
      GROUP BY tin
    )
    SELECT m.tin::INTEGER AS tin,
      ${valueHashSql('m.given_first')} AS gf,
      ${valueHashSql(givenRestSql('m.given_std', 'm.given_first'))} AS gr,
      ${valueHashSql('m.middle_std')} AS mid, length(m.middle_std) = 1 AS mid_letter,
      ${valueHashSql('m.middle_initial')} AS mi,
      ${valueHashSql('m.family_std')} AS fam, ${valueHashSql('m.family_first')} AS ff,
      m.name_suffix_std AS sfx, ${dateYmdSql('m.dob')} AS dob,
      ${addressFieldsSql('m.')},
      p.prior
    FROM mst_std m LEFT JOIN prior p ON p.tin = m.tin
    WHERE m.is_current`);
}
