import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, queryValue } from '../store/duckdb.js';
import {
  installStandardizer,
  STANDARD_COLUMNS,
  STANDARDIZER_VERSION,
  standardizeMaster,
  standardizeRequests,
} from './index.js';
import { namesDataDir } from './paths.js';
import { type Harness, one, openHarness } from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(() => h.close());

const isoDate = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : d);

describe('date of birth', () => {
  it('parses the interchange format', async () => {
    const r = await one(h, { date_of_birth: '1980-02-29' });
    expect(isoDate(r.dob)).toBe('1980-02-29');
    expect([r.dob_year, r.dob_month, r.dob_day]).toEqual([1980, 2, 29]);
  });

  it.each(['1981-02-29', '1980-13-01', '02/03/1980', 'unknown', '', null])('is NULL for %j', async (d) => {
    const r = await one(h, { date_of_birth: d });
    expect([r.dob, r.dob_year, r.dob_month, r.dob_day]).toEqual([null, null, null, null]);
  });
});

describe('tin_std', () => {
  it.each([
    ['123-45-6789', '123456789'],
    ['123 45 6789', '123456789'],
    ['123456789', '123456789'],
    ['12345678', null],
    ['1234567890', null],
    ['12345678X', null],
    ['000-00-0000', null],
    ['', null],
    [null, null],
  ])('%j → %j', async (tin, std) => {
    expect((await one(h, { tin })).tin_std).toBe(std);
  });
});

describe('is_current (master)', () => {
  it('marks the latest address year of each tin, ties to the greatest row_no, NULL years last', async () => {
    const rows = await h.master([
      { tin: '111111111', address_tax_year: '2019', street: '1 A St' }, // 1
      { tin: '111111111', address_tax_year: '2021', street: '2 B St' }, // 2 current
      { tin: '111111111', address_tax_year: null, street: '3 C St' }, // 3
      { tin: '222222222', address_tax_year: '2020', street: '4 D St' }, // 4
      { tin: '222222222', address_tax_year: '2020', street: '5 E St' }, // 5 current (tie, greater row_no)
      { tin: '333333333', address_tax_year: null, street: '6 F St' }, // 6
      { tin: '333333333', address_tax_year: '', street: '7 G St' }, // 7 current (all NULL, greater row_no)
      { tin: '444-44-4444', address_tax_year: '2018', street: '8 H St' }, // 8
      { tin: '444444444', address_tax_year: '2017', street: '9 I St' }, // 9: same tin once formatted
      { tin: '555555555', address_tax_year: ' 2015 ', street: '10 J St' }, // 10 current
    ]);
    expect(rows.filter((r) => r.is_current).map((r) => r.row_no)).toEqual([2, 5, 7, 8, 10]);
    expect(rows.map((r) => r.address_tax_year)).toEqual([
      2019,
      2021,
      null,
      2020,
      2020,
      null,
      null,
      2018,
      2017,
      2015,
    ]);
    expect(rows[7]!.tin).toBe('444-44-4444');
    expect(rows[7]!.tin_std).toBe('444444444');
  });
});

describe('target tables', () => {
  it('has the contract columns and types, requests and master', async () => {
    await h.conn.run(`CREATE OR REPLACE TABLE req_src AS
      SELECT 1::BIGINT AS row_no, 'R1' AS request_id, 'A' AS given_name, NULL::VARCHAR AS taxable_periods`);
    await h.conn.run(`CREATE OR REPLACE TABLE mas_src AS
      SELECT 1::BIGINT AS row_no, '123456789' AS tin, 'A' AS given_name, '2020' AS address_tax_year`);
    await standardizeRequests(h.conn, 'req_src', 'req_out');
    await standardizeMaster(h.conn, 'mas_src', 'mas_out');
    const cols = async (t: string) =>
      queryRows<{ column_name: string; column_type: string }>(h.conn, `DESCRIBE ${t}`);
    const [req, mas] = ['req_out', 'mas_out'];
    const types: Record<string, string> = {
      given_formals: 'VARCHAR[]',
      family_tokens: 'VARCHAR[]',
      dob: 'DATE',
      dob_year: 'INTEGER',
      dob_month: 'INTEGER',
      dob_day: 'INTEGER',
    };
    const expected = STANDARD_COLUMNS.map((c) => [c, types[c] ?? 'VARCHAR']);
    const r = await cols(req!);
    expect(r.map((c) => [c.column_name, c.column_type])).toEqual([
      ['row_no', 'BIGINT'],
      ['request_id', 'VARCHAR'],
      ...expected,
    ]);
    const m = await cols(mas!);
    expect(m.map((c) => [c.column_name, c.column_type])).toEqual([
      ['row_no', 'BIGINT'],
      ['tin', 'VARCHAR'],
      ['address_tax_year', 'INTEGER'],
      ...expected,
      ['is_current', 'BOOLEAN'],
    ]);
  });

  it('reads absent input columns as NULL and accepts schema-qualified names', async () => {
    await h.conn.run(`CREATE SCHEMA IF NOT EXISTS s1`);
    await h.conn.run(
      `CREATE OR REPLACE TABLE s1.thin AS SELECT 1::BIGINT AS row_no, 'R1' AS request_id, 'Bill' AS given_name`,
    );
    await standardizeRequests(h.conn, 's1.thin', 's1.thin_std');
    const [r] = await queryRows(h.conn, 'SELECT * FROM s1.thin_std');
    expect(r!.given_first).toBe('BILL');
    expect(r!.family_std).toBeNull();
    expect(r!.tin_std).toBeNull();
  });

  it('refuses a source without its key columns', async () => {
    await h.conn.run(`CREATE OR REPLACE TABLE nokey AS SELECT 'Bill' AS given_name`);
    await expect(standardizeRequests(h.conn, 'nokey', 'nokey_std')).rejects.toThrow(/row_no, request_id/);
  });

  it('installs idempotently', async () => {
    await installStandardizer(h.conn);
    await installStandardizer(h.conn);
    expect(await queryValue(h.conn, "SELECT soundex('Robert')")).toBe('R163');
    expect(await queryValue(h.conn, 'SELECT count(*) FROM std_street_suffixes')).toBeGreaterThan(300);
    expect(STANDARDIZER_VERSION).toMatch(/^std\/\d+$/);
  });

  it('loads the reference data accents stripped and upper-cased', async () => {
    const rows = await queryRows<{ formal: string; nick: string }>(
      h.conn,
      "SELECT formal, nick FROM std_nickname_edges WHERE nick IN ('TONO', 'PEPE') ORDER BY nick",
    );
    expect(rows).toEqual([
      { formal: 'JOSE', nick: 'PEPE' },
      { formal: 'ANTONIO', nick: 'TONO' },
    ]);
  });

  it('finds data/names/ from the module folder', () => {
    expect(namesDataDir().replaceAll('\\', '/')).toMatch(/\/data\/names$/);
  });
});
