import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDBConnection, openDuck, queryValue } from '../store/duckdb.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from './index.js';

/**
 * Throughput, measured and printed, never asserted (machines differ). 200,000 synthetic rows
 * made in SQL: ten base given and family names with random letters appended (about 7,000
 * distinct given and 120,000 distinct family names), a distinct street on nearly every row,
 * units in a fifth of the streets and a seventh of the unit fields, ZIP+4 on half the rows.
 */
const ROWS = 200_000;

const SYNTHETIC = `
  SELECT
    i::BIGINT AS row_no,
    'R' || i AS request_id,
    lpad(CAST(hash(i // 3) % 1000000000 AS VARCHAR), 9, '0') AS tin,
    ['José', 'Bill', 'María', 'Robert', 'O''Neil', 'Guadalupe', 'Pepe', 'Jean-Luc', 'William', 'Ana'][i % 10 + 1]
      || CASE WHEN i % 7 = 0 THEN '' ELSE chr(CAST(65 + hash(i) % 26 AS INTEGER))
        || chr(CAST(65 + hash(i + 1) % 26 AS INTEGER)) END AS given_name,
    CASE WHEN i % 3 = 0 THEN 'A.' WHEN i % 3 = 1 THEN 'Marie' END AS middle_name,
    ['García-López', 'Smith Jr.', 'de la Cruz', 'St. John', 'Nguyen', 'Van der Berg', 'Müller', 'Johnson',
      'Hernández', 'Lee'][i % 10 + 1]
      || chr(CAST(65 + hash(i + 2) % 26 AS INTEGER)) || chr(CAST(65 + hash(i + 3) % 26 AS INTEGER))
      || chr(CAST(65 + hash(i + 4) % 26 AS INTEGER)) AS family_name,
    CASE WHEN i % 10 = 0 THEN 'III' END AS name_suffix,
    strftime(DATE '1940-01-01' + CAST(hash(i + 5) % 25000 AS INTEGER), '%Y-%m-%d') AS date_of_birth,
    CAST(hash(i + 6) % 9999 + 1 AS VARCHAR) || ' ' || ['N ', '', 'W ', '', 'South '][i % 5 + 1]
      || ['Main', 'Fifth', 'Oak', 'Martin Luther King Jr', 'Twenty First', 'Elm', 'Maple', 'Cedar',
        'Washington', 'Lake'][CAST(hash(i + 7) % 10 AS INTEGER) + 1]
      || CAST(hash(i + 8) % 300 AS VARCHAR) || ' '
      || ['Street', 'Ave', 'Blvd', 'Rd', 'Dr', 'Ct', 'Way', 'Lane', 'Pkwy', 'St.'][i % 10 + 1]
      || CASE WHEN i % 5 = 0 THEN ' Apt ' || (i % 40) ELSE '' END AS street,
    CASE WHEN i % 7 = 0 THEN '#' || (i % 30) || 'B' END AS unit,
    ['St. Louis', 'Houston', 'Los Angeles', 'Fort Worth', 'Chicago', 'Phoenix'][i % 6 + 1] AS city,
    ['MO', 'Texas', 'ca', 'tx', 'IL', 'Arizona'][i % 6 + 1] AS state,
    lpad(CAST(hash(i + 9) % 99998 + 1 AS VARCHAR), 5, '0') || CASE WHEN i % 2 = 0 THEN '-1234' ELSE '' END AS zip,
    CAST(2010 + i % 12 AS VARCHAR) AS address_tax_year
  FROM range(${ROWS}) t(i)`;

let conn: DuckDBConnection;
let close: () => void;
beforeAll(async () => {
  const duck = await openDuck();
  conn = duck.conn;
  close = duck.close;
  await installStandardizer(conn);
  await conn.run(`CREATE TABLE synth AS ${SYNTHETIC}`);
});
afterAll(() => close());

async function timed(label: string, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  const perSecond = Math.round(ROWS / s).toLocaleString('en-US');
  console.log(
    `[standardize throughput] ${label}: ${ROWS.toLocaleString('en-US')} rows in ${s.toFixed(2)} s = ${perSecond} rows/s ` +
      `(${os.availableParallelism()} threads)`,
  );
}

describe('throughput (printed, not asserted)', () => {
  it('standardises 200,000 request rows', async () => {
    await timed('requests', () => standardizeRequests(conn, 'synth', 'synth_req'));
    expect(await queryValue(conn, 'SELECT count(*) FROM synth_req')).toBe(ROWS);
    expect(await queryValue(conn, 'SELECT count(*) FROM synth_req WHERE addr_key IS NULL')).toBe(0);
  });

  it('standardises 200,000 master rows', async () => {
    await timed('master', () => standardizeMaster(conn, 'synth', 'synth_master'));
    expect(await queryValue(conn, 'SELECT count(*) FROM synth_master')).toBe(ROWS);
    expect(await queryValue(conn, 'SELECT count(*) FROM synth_master WHERE is_current')).toBe(
      await queryValue(conn, 'SELECT count(DISTINCT tin) FROM synth'),
    );
  });
});
