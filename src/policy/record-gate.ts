import { type Agreement, DISCLOSABLE_FIELDS, STATUTORY_REQUEST_ELEMENTS } from '../core/agreement.js';
import { statuteRecognized } from '../core/statute.js';
import { GATE_VERSION } from '../core/versions.js';
import { type DuckDBConnection, queryRows, sqlString } from '../store/duckdb.js';
import { ADDRESS_MACROS_SQL } from './address-validity.js';

export { GATE_VERSION };

/** What a request may ask for under §6103(i)(2): taxpayer identity, nothing else (rule A12). */
export const IDENTITY_REQUEST_TERMS: readonly string[] = [
  'name',
  'address',
  'identity',
  'taxpayer_identity',
  'current_address',
  'mailing_address',
  'address_of_record',
  ...DISCLOSABLE_FIELDS,
];

export interface RecordGateContext {
  readonly agreement: Agreement;
  /** Processing date (YYYY-MM-DD): its year is the latest valid taxable period (A5). */
  readonly asOf: string;
  /** Fields the manifest asks for at batch level (A12). */
  readonly batchRequestedFields: readonly string[];
}

/**
 * The record-level legal gate (rules A3–A12, A16, A17), evaluated in bulk over the batch table
 * `source` (from ingest: row_no, problem, request columns). Writes `target(row_no, code)`: one
 * row per code a record earns. A malformed record earns only MALFORMED_RECORD and is left out
 * of the batch counts of A9 and A11.
 */
export async function runRecordGate(
  conn: DuckDBConnection,
  source: string,
  target: string,
  ctx: RecordGateContext,
): Promise<void> {
  const { agreement, asOf } = ctx;
  const year = Number(asOf.slice(0, 4));
  await conn.run(ADDRESS_MACROS_SQL);

  // A7 is decided once per distinct statute spelling, in TypeScript (src/core/statute.ts).
  const statutes = await queryRows<{ s: string }>(
    conn,
    `SELECT DISTINCT trim(criminal_statute) AS s FROM ${source} WHERE problem IS NULL AND trim(coalesce(criminal_statute, '')) <> ''`,
  );
  await conn.run('CREATE OR REPLACE TEMP TABLE gate_statutes (s VARCHAR, recognised BOOLEAN)');
  if (statutes.length > 0) {
    const values = statutes.map(
      (r) => `(${sqlString(r.s)}, ${statuteRecognized(r.s, agreement.criminalStatutes)})`,
    );
    for (let i = 0; i < values.length; i += 1000) {
      await conn.run(`INSERT INTO gate_statutes VALUES ${values.slice(i, i + 1000).join(', ')}`);
    }
  }

  const allowed = IDENTITY_REQUEST_TERMS.map((t) => sqlString(t)).join(', ');
  const batchAsksBeyond = ctx.batchRequestedFields.some(
    (f) => !(IDENTITY_REQUEST_TERMS as readonly string[]).includes(f.trim().toLowerCase()),
  );
  const blank = (col: string) => `trim(coalesce(${col}, '')) = ''`;
  // Elements an agreement requires beyond the statute (A3–A10 cover the statutory ones).
  const extraElements = agreement.requiredElements.filter(
    (e) => !Object.hasOwn(STATUTORY_REQUEST_ELEMENTS, e),
  );
  const { justificationMinLength, justificationMaxRepeats, officerMaxRecords } = agreement.limits;

  await conn.run(`
    CREATE OR REPLACE TEMP TABLE gate_rows AS
    SELECT r.*,
      row_number() OVER (PARTITION BY request_id ORDER BY row_no) AS id_seq,
      trim(regexp_replace(
        list_reduce(
          [lower(trim(coalesce(given_name, ''))), lower(trim(coalesce(family_name, ''))),
           lower(trim(coalesce(case_number, ''))), lower(trim(coalesce(criminal_statute, '')))],
          (acc, w) -> CASE WHEN w = '' THEN acc ELSE replace(acc, w, ' ') END,
          lower(coalesce(justification, ''))
        ), '\\s+', ' ', 'g')) AS justification_norm,
      lower(trim(regexp_replace(coalesce(requesting_officer, ''), '\\s+', ' ', 'g'))) AS officer_norm,
      list_filter(list_transform(string_split(coalesce(taxable_periods, ''), ';'), p -> trim(p)), p -> p <> '') AS periods,
      list_filter(list_transform(string_split(coalesce(requested_fields, ''), ';'), p -> lower(trim(p))), p -> p <> '') AS asks
    FROM ${source} r WHERE problem IS NULL`);

  await conn.run(`
    CREATE OR REPLACE TABLE ${target} AS
    WITH j AS (SELECT justification_norm, count(*) AS n FROM gate_rows GROUP BY ALL),
         o AS (SELECT officer_norm, count(*) AS n FROM gate_rows WHERE officer_norm <> '' GROUP BY ALL)
    SELECT row_no, 'MALFORMED_RECORD' AS code FROM ${source} WHERE problem IS NOT NULL
    UNION ALL SELECT row_no, 'DUPLICATE_REQUEST' FROM gate_rows WHERE id_seq > 1
    UNION ALL SELECT row_no, 'MISSING_NAME' FROM gate_rows WHERE ${blank('given_name')} OR ${blank('family_name')}
    UNION ALL SELECT row_no, 'MISSING_OR_INVALID_ADDRESS' FROM gate_rows WHERE addr_invalid(street, city, state, zip)
    UNION ALL SELECT row_no, 'MISSING_TAXABLE_PERIOD' FROM gate_rows
      WHERE len(periods) = 0 OR NOT list_bool_and(list_transform(periods, p -> coalesce(regexp_full_match(p, '[0-9]{4}') AND TRY_CAST(p AS INTEGER) BETWEEN 1900 AND ${year}, false)))
    UNION ALL SELECT row_no, 'MISSING_STATUTORY_AUTHORITY' FROM gate_rows WHERE ${blank('criminal_statute')}
    UNION ALL SELECT g.row_no, 'NOT_NONTAX_CRIMINAL' FROM gate_rows g JOIN gate_statutes s ON s.s = trim(g.criminal_statute) WHERE NOT s.recognised
    UNION ALL SELECT row_no, 'MISSING_CASE_NUMBER' FROM gate_rows WHERE ${blank('case_number')}
    UNION ALL SELECT g.row_no, 'MISSING_SPECIFIC_REASON' FROM gate_rows g JOIN j USING (justification_norm)
      WHERE length(trim(coalesce(g.justification, ''))) < ${justificationMinLength} OR j.n - 1 > ${justificationMaxRepeats}
    UNION ALL SELECT row_no, 'NO_ENGAGED_RECIPIENT' FROM gate_rows WHERE officer_norm = ''
    UNION ALL SELECT g.row_no, 'ENGAGEMENT_IMPLAUSIBLE' FROM gate_rows g JOIN o USING (officer_norm) WHERE o.n > ${officerMaxRecords}
    UNION ALL SELECT row_no, 'MISSING_REQUIRED_ELEMENT' FROM gate_rows WHERE ${extraElements.map((e) => blank(e)).join(' OR ') || 'false'}
    UNION ALL SELECT row_no, 'TRI_REQUIRES_COURT_ORDER' FROM gate_rows
      WHERE ${batchAsksBeyond} OR len(list_filter(asks, a -> NOT list_contains([${allowed}], a))) > 0`);
  await conn.run('DROP TABLE gate_rows');
}
