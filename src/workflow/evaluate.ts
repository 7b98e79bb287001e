import path from 'node:path';
import { type DuckDBConnection, queryRows, queryValue, sqlString } from '../store/duckdb.js';

/**
 * Scores a run's decisions against a truth file (as written by `custodian synth`): is every
 * record decided, is every defective record refused with exactly the expected codes, and is
 * every disclosure the right taxpayer. A disclosure held for counsel (`pending_review` with a
 * MATCH_CONFIRMED or BASELINE_EXACT_MATCH code) counts as a disclosure the matcher made.
 */
export interface Evaluation {
  readonly records: number;
  readonly decided: number;
  /** Records whose legal codes are exactly the expected ones. */
  readonly legalExact: number;
  readonly legalMismatches: readonly { request_id: string; expected: string; actual: string }[];
  /** Refused records whose truth says lawful (should be 0). */
  readonly lawfulRefused: number;
  readonly disclosures: number;
  readonly correctDisclosures: number;
  readonly wrongPersonDisclosures: number;
  readonly wrongPersonExamples: readonly {
    request_id: string;
    scenario: string;
    true_tin: string;
    master_tin: string;
  }[];
  /** Lawful requests about a taxpayer whose request address is an address of record. */
  readonly corroborable: number;
  /** Share of corroborable requests disclosed to the right taxpayer. */
  readonly recall: number;
  /** Share of disclosures that are the right taxpayer. */
  readonly precision: number;
  /** Records held for an officer's review with a candidate, and how many of those are the right person. */
  readonly pendingReview: number;
  readonly pendingReviewRightPerson: number;
  /** Lawful requests with an address of record not disclosed to the right person, by outcome and first reason code (batch holds aside). */
  readonly missedByReason: readonly { outcome: string; reason: string; n: number }[];
  readonly byScenario: readonly { scenario: string; n: number; disclosed: number; wrong: number }[];
}

export async function evaluateRun(
  conn: DuckDBConnection,
  decisionsCsv: string,
  truthCsv: string,
): Promise<Evaluation> {
  const csv = (f: string) =>
    `read_csv(${sqlString(path.resolve(f))}, header = true, all_varchar = true, auto_detect = true)`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ev_decisions AS SELECT row_number() OVER () AS pos, * FROM ${csv(decisionsCsv)}`,
  );
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ev_truth AS SELECT row_number() OVER () AS pos, * FROM ${csv(truthCsv)}`,
  );
  // Decisions and truth are both in batch order; duplicate request_ids make position the key.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ev AS
    SELECT t.pos, t.request_id, t.true_tin, t.scenario, coalesce(t.expected_codes, '') AS expected_codes, t.address_on_record, t.lawful = '1' AS lawful,
      d.request_id AS d_request_id, d.outcome, coalesce(d.reason_codes, '') AS reason_codes, d.master_tin,
      (d.outcome = 'disclosed' OR (d.outcome = 'pending_review' AND (d.reason_codes LIKE '%MATCH_CONFIRMED%' OR d.reason_codes LIKE '%BASELINE_EXACT_MATCH%'))) AS would_disclose,
      CASE WHEN d.outcome = 'refused' THEN array_to_string(list_sort(list_filter(string_split(d.reason_codes, ';'), c ->
        c NOT IN ('COUNSEL_SIGNOFF_REQUIRED', 'BULK_DEFECT_REVIEW'))), ';') ELSE '' END AS legal_codes
    FROM ev_truth t LEFT JOIN ev_decisions d USING (pos)`);
  const records = await queryValue<number>(conn, 'SELECT count(*) FROM ev_truth');
  const decided = await queryValue<number>(
    conn,
    'SELECT count(*) FROM ev WHERE outcome IS NOT NULL AND d_request_id IS NOT DISTINCT FROM request_id',
  );
  const legalExact = await queryValue<number>(
    conn,
    'SELECT count(*) FROM ev WHERE legal_codes = expected_codes',
  );
  const legalMismatches = await queryRows<{ request_id: string; expected: string; actual: string }>(
    conn,
    'SELECT request_id, expected_codes AS expected, legal_codes AS actual FROM ev WHERE legal_codes <> expected_codes ORDER BY pos LIMIT 20',
  );
  const lawfulRefused = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ev WHERE lawful AND outcome = 'refused'`,
  );
  const disclosures = await queryValue<number>(conn, 'SELECT count(*) FROM ev WHERE would_disclose');
  const correct = await queryValue<number>(
    conn,
    'SELECT count(*) FROM ev WHERE would_disclose AND master_tin = true_tin',
  );
  const wrongPersonExamples = await queryRows<{
    request_id: string;
    scenario: string;
    true_tin: string;
    master_tin: string;
  }>(
    conn,
    `SELECT request_id, scenario, coalesce(true_tin, '') AS true_tin, master_tin FROM ev WHERE would_disclose AND master_tin IS DISTINCT FROM true_tin ORDER BY pos LIMIT 20`,
  );
  const corroborable = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ev WHERE lawful AND true_tin IS NOT NULL AND address_on_record IN ('current', 'prior')`,
  );
  const recalled = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ev WHERE lawful AND true_tin IS NOT NULL AND address_on_record IN ('current', 'prior') AND would_disclose AND master_tin = true_tin`,
  );
  const pendingReview = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ev WHERE outcome = 'pending_review' AND NOT would_disclose`,
  );
  const pendingReviewRightPerson = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ev WHERE outcome = 'pending_review' AND NOT would_disclose AND master_tin = true_tin`,
  );
  const missedByReason = await queryRows<{ outcome: string; reason: string; n: number }>(
    conn,
    `SELECT outcome, list_filter(string_split(reason_codes, ';'), c -> c NOT IN ('COUNSEL_SIGNOFF_REQUIRED', 'BULK_DEFECT_REVIEW'))[1] AS reason, count(*) AS n FROM ev
     WHERE lawful AND true_tin IS NOT NULL AND address_on_record IN ('current', 'prior') AND NOT (would_disclose AND master_tin = true_tin)
     GROUP BY ALL ORDER BY n DESC`,
  );
  const byScenario = await queryRows<{ scenario: string; n: number; disclosed: number; wrong: number }>(
    conn,
    `SELECT scenario, count(*) AS n, count(*) FILTER (WHERE would_disclose) AS disclosed,
            count(*) FILTER (WHERE would_disclose AND master_tin IS DISTINCT FROM true_tin) AS wrong
     FROM ev WHERE lawful GROUP BY scenario ORDER BY scenario`,
  );
  return {
    records,
    decided,
    legalExact,
    legalMismatches,
    lawfulRefused,
    disclosures,
    correctDisclosures: correct,
    wrongPersonDisclosures: disclosures - correct,
    wrongPersonExamples,
    corroborable,
    recall: corroborable > 0 ? recalled / corroborable : 0,
    precision: disclosures > 0 ? correct / disclosures : 1,
    pendingReview,
    pendingReviewRightPerson,
    missedByReason,
    byScenario,
  };
}
