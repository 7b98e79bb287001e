import { BASELINE_MATCHER_VERSION } from '../core/versions.js';
import type { DuckDBConnection } from '../store/duckdb.js';

export { BASELINE_MATCHER_VERSION };

/**
 * The BASELINE matcher — the yardstick, not the product's matcher. A request fits a taxpayer
 * when standardised given name, family name and date of birth are equal and the request's
 * normalised address equals one of the taxpayer's addresses of record. It discloses only when
 * exactly one taxpayer fits; two or more fitting is ambiguous; none is no match. It does no
 * scoring, so `match_probability` stays empty.
 *
 * Reads `requests` (standardised requests to match: row_no, given_std, family_std, dob,
 * addr_key) and `master` (standardised master rows: tin, given_std, family_std, dob, addr_key,
 * is_current); writes `target(row_no, outcome, master_tin, match_probability, codes, evidence)`.
 */
export async function runBaselineMatcher(
  conn: DuckDBConnection,
  requests: string,
  master: string,
  target: string,
): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE ${target} AS
    WITH fits AS (
      SELECT r.row_no, m.tin, bool_or(m.is_current) AS current
      FROM ${requests} r
      JOIN ${master} m
        ON m.given_std = r.given_std AND m.family_std = r.family_std AND m.dob = r.dob AND m.addr_key = r.addr_key
      GROUP BY ALL
    ),
    per_request AS (
      SELECT row_no, count(*) AS n, min(tin) AS tin, bool_or(current) AS current FROM fits GROUP BY row_no
    )
    SELECT r.row_no,
      CASE WHEN p.n IS NULL THEN 'no_match' WHEN p.n = 1 THEN 'disclosed' ELSE 'ambiguous' END AS outcome,
      p.tin AS master_tin,
      NULL::DOUBLE AS match_probability,
      CASE WHEN p.n IS NULL THEN ['NO_MATCH']
           WHEN p.n = 1 THEN ['BASELINE_EXACT_MATCH', CASE WHEN p.current THEN 'ADDRESS_IS_CURRENT' ELSE 'ADDRESS_IS_PRIOR' END]
           ELSE ['AMBIGUOUS_MATCH'] END AS codes,
      CASE WHEN p.n IS NULL THEN NULL ELSE CAST(to_json({'matcher': '${BASELINE_MATCHER_VERSION}', 'fitting_taxpayers': p.n}) AS VARCHAR) END AS evidence
    FROM ${requests} r LEFT JOIN per_request p USING (row_no)`);
}
