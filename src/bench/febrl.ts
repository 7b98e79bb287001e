import path from 'node:path';
import { type DuckDBConnection, queryValue, sqlString } from '../store/duckdb.js';

/**
 * FEBRL4 (5,000 originals in dataset4a, 5,000 duplicates in dataset4b, one true link each) in
 * Custodian's raw formats: 4a becomes the master extract (`master_raw`, one address per
 * taxpayer, TIN = 100000000 + record number), 4b the requests (`febrl_requests`, with
 * `true_tin`). `soc_sec_id` is deliberately not used. Australian 4-digit postcodes are
 * zero-padded to five digits so the ZIP comparisons apply; states are kept as written.
 */
export async function loadFebrl4(
  conn: DuckDBConnection,
  dataDir: string,
): Promise<{ master: number; requests: number }> {
  const read = (f: string) =>
    `read_csv(${sqlString(path.join(dataDir, f))}, header = true, all_varchar = true, delim = ',', quote = '"', normalize_names = true)`;
  const fields = (alias: string) => `
    NULLIF(trim(${alias}.given_name), '') AS given_name,
    NULL::VARCHAR AS middle_name,
    NULLIF(trim(${alias}.surname), '') AS family_name,
    NULL::VARCHAR AS name_suffix,
    strftime(try_strptime(trim(${alias}.date_of_birth), '%Y%m%d'), '%Y-%m-%d') AS date_of_birth,
    NULLIF(trim(concat_ws(' ', NULLIF(trim(${alias}.street_number), ''), NULLIF(trim(${alias}.address_1), ''))), '') AS street,
    NULLIF(trim(${alias}.address_2), '') AS unit,
    NULLIF(trim(${alias}.suburb), '') AS city,
    NULLIF(trim(${alias}.state), '') AS state,
    CASE WHEN regexp_full_match(trim(${alias}.postcode), '[0-9]{4}') THEN '0' || trim(${alias}.postcode) ELSE NULLIF(trim(${alias}.postcode), '') END AS zip`;
  const recNo = (col: string) => `CAST(regexp_extract(trim(${col}), 'rec-([0-9]+)', 1) AS INTEGER)`;
  await conn.run(`CREATE OR REPLACE TABLE master_raw AS
    SELECT row_number() OVER () AS row_no, CAST(100000000 + ${recNo('a.rec_id')} AS VARCHAR) AS tin, ${fields('a')}, '2024' AS address_tax_year
    FROM ${read('dataset4a.csv')} a`);
  await conn.run(`CREATE OR REPLACE TABLE febrl_requests AS
    SELECT row_number() OVER () AS row_no, trim(b.rec_id) AS request_id, ${fields('b')}, NULL::VARCHAR AS tin,
      CAST(100000000 + ${recNo('b.rec_id')} AS VARCHAR) AS true_tin
    FROM ${read('dataset4b.csv')} b`);
  return {
    master: await queryValue<number>(conn, 'SELECT count(*) FROM master_raw'),
    requests: await queryValue<number>(conn, 'SELECT count(*) FROM febrl_requests'),
  };
}
