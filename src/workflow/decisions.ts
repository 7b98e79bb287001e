import { type Agreement, agreementStamp } from '../core/agreement.js';
import { OUTCOMES, type Outcome } from '../core/outcome.js';
import { ALL_REASON_CODES } from '../core/reason-codes.js';
import { GATE_VERSION, PIPELINE_VERSION } from '../core/versions.js';
import { STANDARDIZER_VERSION } from '../standardize/index.js';
import { type DuckDBConnection, queryRows, queryValue, sqlString } from '../store/duckdb.js';

export function versions(matcher: string): Record<string, string> {
  return { pipeline: PIPELINE_VERSION, gate: GATE_VERSION, standardizer: STANDARDIZER_VERSION, matcher };
}

/** Batch holds (rules B1, B2): nothing is released until counsel clears them. */
export async function batchHolds(
  conn: DuckDBConnection,
  gate: string,
  agreement: Agreement,
  records: number,
): Promise<string[]> {
  const holds: string[] = [];
  if (records > agreement.limits.counselThreshold) holds.push('COUNSEL_SIGNOFF_REQUIRED');
  const bulk = await queryValue<number>(
    conn,
    `SELECT count(DISTINCT row_no) FROM ${gate} WHERE code IN ('MISSING_SPECIFIC_REASON', 'ENGAGEMENT_IMPLAUSIBLE')`,
  );
  if (records > 0 && bulk / records > agreement.limits.bulkDefectShare) holds.push('BULK_DEFECT_REVIEW');
  return holds;
}

export interface DecideContext {
  readonly batchCodes: readonly string[];
  readonly holds: readonly string[];
  readonly agreement: Agreement;
  readonly asOf: string;
  readonly batchId: string;
  readonly matcherVersion: string;
  /**
   * Table of TINs flagged for withholding (confidential informants, open tax investigations):
   * rule A15, checked after matching, before release. None when absent.
   */
  readonly withheld?: string | undefined;
  /** Tables: the batch, its gate codes, the match results, and the decisions to write. */
  readonly tables?: {
    readonly batch: string;
    readonly gate: string;
    readonly matches: string;
    readonly target: string;
  };
}

/**
 * One decision per record: refused when any legal code applies (batch or record level), else
 * the matcher's outcome; a disclosure under a batch hold waits as `pending_review`.
 */
export async function assembleDecisions(conn: DuckDBConnection, ctx: DecideContext): Promise<void> {
  const t = ctx.tables ?? {
    batch: 'batch_raw',
    gate: 'gate_codes',
    matches: 'match_results',
    target: 'decisions',
  };
  const order = ALL_REASON_CODES.map((c, i) => `(${sqlString(c)}, ${i})`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE reason_order AS SELECT * FROM (VALUES ${order}) t(code, ord)`);
  const batchCodes = `[${ctx.batchCodes.map(sqlString).join(', ')}]::VARCHAR[]`;
  const holds = `[${ctx.holds.map(sqlString).join(', ')}]::VARCHAR[]`;
  const v = versions(ctx.matcherVersion);
  const withheldSql = ctx.withheld
    ? `m.outcome IN ('disclosed', 'pending_review', 'ambiguous') AND m.master_tin IN (SELECT tin FROM ${ctx.withheld})`
    : 'false';
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE decided AS
    WITH gate AS (SELECT row_no, list(code) AS codes FROM ${t.gate} GROUP BY row_no),
    raw AS (
      SELECT b.row_no, b.line_no, b.request_id, b.problem,
        list_distinct(list_concat(
          CASE WHEN b.problem IS NULL THEN ${batchCodes} ELSE []::VARCHAR[] END,
          coalesce(g.codes, []::VARCHAR[]),
          -- A15: a taxpayer flagged for withholding is never released, whatever matched.
          CASE WHEN ${withheldSql} THEN ['WITHHELD_I6'] ELSE []::VARCHAR[] END)) AS legal,
        m.outcome AS match_outcome, m.master_tin, m.match_probability, coalesce(m.codes, []::VARCHAR[]) AS match_codes, m.evidence AS match_evidence
      FROM ${t.batch} b LEFT JOIN gate g USING (row_no) LEFT JOIN ${t.matches} m USING (row_no)
    )
    SELECT *,
      CASE WHEN len(legal) > 0 OR match_outcome IS NULL THEN 'refused'
           WHEN match_outcome = 'disclosed' AND len(${holds}) > 0 THEN 'pending_review'
           ELSE match_outcome END AS outcome
    FROM raw`);
  await conn.run(`
    CREATE OR REPLACE TABLE ${t.target} AS
    WITH chosen AS (
      SELECT row_no, unnest(CASE WHEN outcome = 'refused' THEN legal
                                 WHEN outcome = 'pending_review' THEN list_concat(match_codes, ${holds})
                                 ELSE match_codes END) AS code
      FROM decided
    ),
    sorted AS (
      SELECT row_no, list(code ORDER BY o.ord NULLS LAST, code) AS reason_codes
      FROM chosen LEFT JOIN reason_order o USING (code) GROUP BY row_no
    )
    SELECT ${sqlString(ctx.batchId)} || ':' || d.row_no AS decision_id, d.row_no, d.line_no, d.request_id, d.outcome,
      coalesce(s.reason_codes, []::VARCHAR[]) AS reason_codes,
      CASE WHEN d.outcome IN ('disclosed', 'ambiguous', 'pending_review') THEN d.master_tin END AS master_tin,
      CASE WHEN d.outcome = 'refused' THEN NULL ELSE d.match_probability END AS match_probability,
      d.problem,
      CASE WHEN d.outcome = 'refused' THEN NULL ELSE CAST(d.match_evidence AS JSON) END AS evidence,
      ${sqlString(v.matcher!)} AS matcher_version,
      ${sqlString(agreementStamp(ctx.agreement))} AS agreement_version,
      ${sqlString(v.gate!)} AS gate_version,
      ${sqlString(v.standardizer!)} AS standardizer_version,
      ${sqlString(v.pipeline!)} AS pipeline_version,
      ${sqlString(ctx.asOf)} AS as_of
    FROM decided d LEFT JOIN sorted s USING (row_no)`);
  await conn.run('DROP TABLE decided');
  const missing = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ${t.target} WHERE outcome = 'refused' AND len(reason_codes) = 0`,
  );
  if (missing > 0) {
    // A record neither refused by a rule nor matched would be a bug: never let it through silently.
    throw new Error(`${missing} record(s) reached no decision`);
  }
}

/**
 * Counts of a decisions table: by outcome, by reason code, distinct taxpayers disclosed now,
 * and distinct taxpayers whose disclosure the rules approve once batch holds clear (a held
 * batch discloses nothing until counsel signs off, but negotiators need to see what it would).
 */
export async function decisionCounts(
  conn: DuckDBConnection,
  table: string,
): Promise<{
  outcomes: Record<Outcome, number>;
  reasonCodes: Record<string, number>;
  distinct: number;
  distinctApproved: number;
}> {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of await queryRows<{ outcome: Outcome; n: number }>(
    conn,
    `SELECT outcome, count(*) AS n FROM ${table} GROUP BY ALL`,
  )) {
    outcomes[r.outcome] = r.n;
  }
  const reasonCodes: Record<string, number> = {};
  for (const r of await queryRows<{ code: string; n: number }>(
    conn,
    `SELECT code, count(*) AS n FROM (SELECT unnest(reason_codes) AS code FROM ${table}) GROUP BY ALL ORDER BY code`,
  )) {
    reasonCodes[r.code] = r.n;
  }
  const distinct = await queryValue<number>(
    conn,
    `SELECT count(DISTINCT master_tin) FROM ${table} WHERE outcome = 'disclosed'`,
  );
  const distinctApproved = await queryValue<number>(
    conn,
    `SELECT count(DISTINCT master_tin) FROM ${table}
     WHERE outcome = 'disclosed' OR (outcome = 'pending_review' AND list_contains(reason_codes, 'MATCH_CONFIRMED'))`,
  );
  return { outcomes, reasonCodes, distinct, distinctApproved };
}
