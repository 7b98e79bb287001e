import type { Agreement } from '../core/agreement.js';
import { type DuckDBConnection, sqlString } from '../store/duckdb.js';
import { ADDRESS_CORROBORATING_LEVEL, COMPARISONS } from './comparisons.js';
import type { FsModel } from './fs-model.js';
import { fieldWeightSql, probabilitySql } from './fs-score.js';

/** The TIN level of "same TIN, name does not agree" (rule C4; comparisons.ts). */
const TIN_NAME_CONFLICT_LEVEL = 1;

/** Scored pairs hold TINs as integers; decisions give them as their nine digits. */
const TIN_TEXT = (x: string) => `lpad((${x})::VARCHAR, 9, '0')`;

/**
 * Fields that tell members of one household apart. The model's independence assumption fails
 * in households — name and address agree on a parent, a child, a twin — so these veto
 * disclosure whatever the weights say. A TIN that agrees never lifts a veto: a requester who
 * confuses relatives may well hold the relative's TIN (rule C1: a TIN never stands in).
 * - a given name that is not the same, a nickname of it, or a close spelling (level ≤ 1: a
 *   twin DANIEL is "similar" to DIANE);
 * - a family name that shares nothing with the taxpayer's (level 0), unless the given name
 *   agrees and the birth date agrees exactly (perhaps a married name: see
 *   FAMILY_NAME_UNCONFIRMED_SQL — such a candidate is never disclosed without an officer, but
 *   it stays plausible enough to make another candidate ambiguous);
 * - a birth date that differs beyond a typo or a day/month swap (levels 0 and 1);
 * - middle names whose initials differ;
 * - a Jr against a Sr; or a suffix on one side only, unless the birth date agrees exactly.
 */
export const IDENTITY_CONFLICT_SQL = [
  'b.l_given <= 1',
  '(b.l_family = 0 AND NOT (b.l_given >= 3 AND b.l_dob = 5))',
  'b.l_dob IN (0, 1)',
  'b.l_middle = 0',
  '(b.l_suffix = 0 OR (b.l_suffix = 1 AND b.l_dob <> 5))',
].join(' OR ');

/**
 * A family name that does not confirm the taxpayer, held for an officer:
 * - one that shares nothing with the taxpayer's, where given name and birth date agree exactly
 *   (otherwise it is an identity conflict): a married or changed name, or another person of
 *   that name and birth date at that address (at 100M master rows such a pair was disclosed
 *   to the wrong person);
 * - one that is only alike in sound or spelling (SANDERS, ANDERSON) where the birth date is not
 *   exact either: two near-misses are a relative or a neighbour as often as a typo (at 20M rows
 *   an absent household member was disclosed so).
 */
export const FAMILY_NAME_UNCONFIRMED_SQL = 'b.l_family = 0 OR (b.l_family = 1 AND b.l_dob <> 5)';

/**
 * Without a birth date to compare, a father and son of one name at one address are the same
 * to every other field; only a Jr/Sr suffix given on both sides and equal tells them apart.
 */
export const BIRTH_DATE_UNCONFIRMED_SQL = 'b.l_dob = -1 AND NOT b.suffix_pair';

/**
 * A twin shares birth date, family name and address; only the given name differs, and twins'
 * names are often alike (FRANCISCO, FRANCISCA). A given name that is a close spelling or a
 * nickname of the taxpayer's, rather than the same name, is therefore confirmed only by an
 * agreeing full middle name; otherwise an officer reviews it.
 */
export const GIVEN_NAME_UNCONFIRMED_SQL = 'b.l_given IN (2, 3) AND b.l_middle <> 2';

/**
 * Another plausible candidate whose given name is exactly the request's, while the best one's
 * is only close: the record cannot be settled by weights alone (twins, cousins of one name).
 */
export const EXACT_RUNNER_UP_SQL = 'b.l_given < 4 AND b.second_given = 4';

/**
 * A sibling who fits as well on everything but the spelling of the given name — same birth
 * date level, same address level, a given name that is a close spelling or better (ANGEL and
 * ANGELA, twins at one address) — leaves the record ambiguous whatever the weights: a one-letter
 * typo in the request would turn one into the other.
 */
export const SIBLING_RUNNER_UP_SQL = 'b.twin_given >= 2 AND b.twin_given IS NOT NULL';

/**
 * Another candidate (`r`) the request fits exactly as well as the best (`b`) on birth date (or
 * who has none of record), family name, address, middle name and suffix, differing only in the given name: a twin at the same address. A
 * requester may name one twin for the other — a given name the master does not know for one
 * twin (a middle name, a name used) can be the other twin's first name; at 1M and 20M master
 * rows every wrong-person disclosure left was such a pair. The given name alone does not settle
 * it: an officer reviews the record.
 */
export const TWIN_SQL = [
  // The same birth-date level, or no birth date of record for the other (it cannot be told
  // apart by one: a twin JUANA without a birth date was disclosed for JUAN at 100M rows).
  '(r.l_dob = b.l_dob OR r.l_dob = -1) AND b.l_dob >= 2',
  'r.l_family = b.l_family',
  'r.l_address = b.l_address',
  'r.l_suffix = b.l_suffix',
  'r.l_middle = b.l_middle',
].join(' AND ');

/** Verdicts that a disclosure officer may resolve: the best candidate is kept for the review. */
const REVIEW_VERDICTS = [
  "'TIN_REVIEW'",
  "'TWIN_NOT_EXCLUDED'",
  "'FAMILY_NAME_NOT_CONFIRMED'",
  "'BIRTH_DATE_NOT_CONFIRMED'",
  "'GIVEN_NAME_NOT_CONFIRMED'",
].join(', ');

/**
 * Turns scored candidates into one match decision per request (rules C1–C4):
 * - no candidate → `no_match` NO_MATCH; best under the threshold → `no_match` LOW_CONFIDENCE;
 * - a second taxpayer within the ambiguity margin of the best → `ambiguous` AMBIGUOUS_MATCH;
 * - best disagrees on given name, birth date or Jr/Sr → `no_match` IDENTITY_CONFLICT;
 * - best not corroborated by an address of record → `no_match` ADDRESS_NOT_CONFIRMED;
 * - best holds the supplied TIN but its name disagrees → `no_match` TIN_NAME_CONFLICT;
 *   the supplied TIN belongs to another taxpayer whose name disagrees → `pending_review`;
 * - another taxpayer fitting as well but for the given name (a twin at the address) →
 *   `pending_review` TWIN_NOT_EXCLUDED;
 * - family name different (given name and birth date exact), or only alike in sound with a
 *   birth date not exact → `pending_review` FAMILY_NAME_NOT_CONFIRMED;
 * - no birth date to compare and no TIN or suffix to separate relatives → `pending_review`
 *   BIRTH_DATE_NOT_CONFIRMED; a given name that is only close or a nickname, with no agreeing
 *   middle name or TIN → `pending_review` GIVEN_NAME_NOT_CONFIRMED (an officer decides);
 * - otherwise `disclosed` MATCH_CONFIRMED with ADDRESS_IS_CURRENT/PRIOR (and TIN_CORROBORATES).
 * Writes `target(row_no, outcome, master_tin, match_probability, codes, evidence)`, evidence being
 * JSON: the model version, each field's level and weight for the best candidate, and the runner-up.
 */
export async function decideMatches(
  conn: DuckDBConnection,
  requests: string,
  scored: string,
  target: string,
  model: FsModel,
  agreement: Agreement,
): Promise<void> {
  const { threshold, ambiguityMargin } = agreement.matching;
  const fields = COMPARISONS.map((c, k) => {
    const labels = c.levels.map((l, i) => `WHEN ${i} THEN ${sqlString(l.label)}`).join(' ');
    return `{'field': '${c.id}', 'level': b.l_${c.id}, 'label': CASE b.l_${c.id} WHEN -1 THEN 'missing' ${labels} END, 'weight': round(${fieldWeightSql(model, k, 'b')}, 3)}`;
  });
  // The best candidate of each request (the highest weight, the lowest TIN among equal weights),
  // with the request's candidate count and whether any candidate holds its TIN under another
  // name: one aggregation over the scored pairs (no sort of them, no copy of every pair).
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE best_pair AS
    SELECT count(*) AS candidates, bool_or(sc.l_tin = ${TIN_NAME_CONFLICT_LEVEL}) AS any_tin_conflict,
      unnest(arg_max(sc, (sc.weight, -sc.tin)))
    FROM ${scored} sc GROUP BY sc.row_no`);
  // The runner-up for rule C2 is the best other candidate that is not itself vetoed by an
  // identity conflict: a twin with another given name, or a Sr when the request says Jr, is told
  // apart by that very field and does not make the record ambiguous.
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE runner_up AS
    SELECT r.row_no, max(r.weight) FILTER (WHERE NOT r.vetoed) AS second_weight,
      arg_max(r.tin, (r.weight, -r.tin)) FILTER (WHERE NOT r.vetoed) AS second_tin,
      max(r.l_given) FILTER (WHERE NOT r.vetoed) AS second_given,
      max(r.l_given) FILTER (WHERE NOT r.vetoed AND r.l_dob = b.l_dob AND r.l_address = b.l_address) AS twin_given,
      -- Vetoed or not: another taxpayer the request fits exactly as well but for the given name.
      bool_or(${TWIN_SQL}) AS twin_of_best
    FROM (SELECT *, (${IDENTITY_CONFLICT_SQL.replaceAll('b.', '')}) AS vetoed FROM ${scored}) r
    JOIN (SELECT row_no, tin, l_dob, l_address, l_family, l_suffix, l_middle FROM best_pair) b USING (row_no)
    WHERE r.tin <> b.tin GROUP BY r.row_no`);
  await conn.run(`
    CREATE OR REPLACE TABLE ${target} AS
    WITH best AS (
      SELECT *, ${probabilitySql('weight')} AS probability, l_address AS addr_level, l_tin = ${TIN_NAME_CONFLICT_LEVEL} AS tin_name_conflict,
        ${TIN_TEXT('tin')} AS tin_text, ${TIN_TEXT('second_tin')} AS second_tin_text
      FROM best_pair LEFT JOIN runner_up USING (row_no)
    ),
    judged AS (
      SELECT r.row_no, b.tin_text AS tin, b.probability, b.weight, b.second_tin, b.second_weight, b.second_given, b.twin_given, b.twin_of_best, b.candidates,
        b.addr_level, b.addr_current, b.tin_name_conflict, b.any_tin_conflict, b.l_tin, b.swapped, b.l_given, b.l_dob, b.l_suffix, b.l_middle, b.suffix_pair,
        CASE
          WHEN b.tin IS NULL THEN 'NO_MATCH'
          WHEN b.probability < ${threshold} THEN 'LOW_CONFIDENCE'
          WHEN b.second_weight IS NOT NULL AND (b.second_weight >= b.weight - ${ambiguityMargin} OR ${EXACT_RUNNER_UP_SQL} OR ${SIBLING_RUNNER_UP_SQL}) THEN 'AMBIGUOUS_MATCH'
          WHEN ${IDENTITY_CONFLICT_SQL} THEN 'IDENTITY_CONFLICT'
          WHEN coalesce(b.addr_level, 0) < ${ADDRESS_CORROBORATING_LEVEL} THEN 'ADDRESS_NOT_CONFIRMED'
          WHEN b.tin_name_conflict THEN 'TIN_NAME_CONFLICT'
          WHEN b.any_tin_conflict THEN 'TIN_REVIEW'
          WHEN b.twin_of_best THEN 'TWIN_NOT_EXCLUDED'
          WHEN ${FAMILY_NAME_UNCONFIRMED_SQL} THEN 'FAMILY_NAME_NOT_CONFIRMED'
          WHEN ${BIRTH_DATE_UNCONFIRMED_SQL} THEN 'BIRTH_DATE_NOT_CONFIRMED'
          WHEN ${GIVEN_NAME_UNCONFIRMED_SQL} THEN 'GIVEN_NAME_NOT_CONFIRMED'
          ELSE 'MATCH_CONFIRMED'
        END AS verdict,
        CASE WHEN b.tin IS NULL THEN NULL ELSE {
          'model': ${sqlString(model.version)},
          'threshold': ${threshold},
          'ambiguity_margin': ${ambiguityMargin},
          'candidates': b.candidates,
          'best': {'tin': b.tin_text, 'weight': round(b.weight, 3), 'probability': b.probability, 'names_swapped': b.swapped,
                   'address_level': b.addr_level, 'address_current': b.addr_current, 'fields': [${fields.join(', ')}]},
          'runner_up': CASE WHEN b.second_tin IS NULL THEN NULL ELSE {'tin': b.second_tin_text, 'weight': round(b.second_weight, 3)} END
        } END AS evidence
      FROM ${requests} r LEFT JOIN best b USING (row_no)
    )
    SELECT row_no,
      CASE WHEN verdict = 'MATCH_CONFIRMED' THEN 'disclosed' WHEN verdict = 'AMBIGUOUS_MATCH' THEN 'ambiguous'
           WHEN verdict IN (${REVIEW_VERDICTS}) THEN 'pending_review' ELSE 'no_match' END AS outcome,
      CASE WHEN verdict IN ('MATCH_CONFIRMED', 'AMBIGUOUS_MATCH', ${REVIEW_VERDICTS}) THEN tin END AS master_tin,
      probability AS match_probability,
      CASE verdict
        WHEN 'MATCH_CONFIRMED' THEN list_concat(['MATCH_CONFIRMED', CASE WHEN addr_current THEN 'ADDRESS_IS_CURRENT' ELSE 'ADDRESS_IS_PRIOR' END],
                                                CASE WHEN l_tin = 2 THEN ['TIN_CORROBORATES'] ELSE [] END)
        WHEN 'TIN_REVIEW' THEN ['TIN_NAME_CONFLICT']
        ELSE [verdict] END AS codes,
      CAST(to_json(evidence) AS VARCHAR) AS evidence
    FROM judged`);
  await conn.run('DROP TABLE best_pair; DROP TABLE runner_up');
}
