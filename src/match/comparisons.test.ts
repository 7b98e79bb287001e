import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_COLUMNS } from '../ingest/columns.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { type DuckDBConnection, openDuck, queryRows, sqlString } from '../store/duckdb.js';
import { COMPARISONS, dateDigitsOneEditSql, dateYmdSql } from './comparisons.js';
import { buildMasterPersons } from './fs-matcher.js';
import { buildTermFrequencies } from './fs-score.js';
import { computePairLevels } from './pair-levels.js';

type Row = Record<string, string | null>;
/** The name, birth-date and address columns shared by requests and the master. */
const COLS = MASTER_COLUMNS.slice(1, 11);
const base: Row = {
  given_name: 'John',
  middle_name: null,
  family_name: 'Smith',
  name_suffix: null,
  date_of_birth: '1980-02-03',
  street: '12 Oak St',
  unit: null,
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
};

let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;
beforeAll(async () => {
  duck = await openDuck({ threads: 1 });
  conn = duck.conn;
  await installStandardizer(conn);
});
afterAll(() => duck.close());

/** Level of `comparison` for one request/master pair, each given as overrides of `base`. */
async function level(
  comparison: string,
  request: Row,
  master: Row,
  tins: { request?: string; master?: string } = {},
): Promise<number> {
  const r = { ...base, ...request };
  const m = { ...base, ...master };
  const v = (x: Row) => COLS.map((c) => (x[c] == null ? 'NULL' : sqlString(x[c]!))).join(', ');
  await conn.run(
    `CREATE OR REPLACE TABLE mraw AS SELECT * FROM (VALUES (1, ${sqlString(tins.master ?? '123456789')}, ${v(m)}, '2023')) t(row_no, tin, ${COLS.join(', ')}, address_tax_year)`,
  );
  await conn.run(
    `CREATE OR REPLACE TABLE rraw AS SELECT * FROM (VALUES (1, 'R1', ${v(r)}, ${tins.request ? sqlString(tins.request) : 'NULL'})) t(row_no, request_id, ${COLS.join(', ')}, tin)`,
  );
  await standardizeMaster(conn, 'mraw', 'mst_std');
  await standardizeRequests(conn, 'rraw', 'req_std');
  await buildMasterPersons(conn);
  await buildTermFrequencies(conn);
  await conn.run(`CREATE OR REPLACE TABLE pairs AS SELECT 1::BIGINT AS row_no, tin FROM mst_person`);
  // Both engines, which must agree: the native kernel and the SQL reference.
  await computePairLevels(conn, 'pairs', 'levels', 'native');
  await computePairLevels(conn, 'pairs', 'levels_sql', 'sql');
  const out = await queryRows<Record<string, number>>(conn, `SELECT l_${comparison} AS l FROM levels`);
  const sql = await queryRows<Record<string, number>>(conn, `SELECT l_${comparison} AS l FROM levels_sql`);
  expect(out[0]!.l, 'native kernel against the SQL reference').toBe(sql[0]!.l);
  return out[0]!.l!;
}

const labels = (id: string) => COMPARISONS.find((c) => c.id === id)!.levels.map((l) => l.label);

describe('comparison levels: every level of every comparison is reached', () => {
  it.each([
    [0, { given_name: 'Peter' }],
    [1, { given_name: 'Jonas' }],
    [2, { given_name: 'Jhon' }],
    [3, { given_name: 'Johnny' }],
    [4, { given_name: 'JOHN' }],
    [-1, { given_name: null }],
  ])('given level %i', async (lvl, req) => {
    expect(await level('given', req, {})).toBe(lvl);
    expect(labels('given')[lvl] ?? 'missing').toBeTruthy();
  });

  it('given: the middle name used as the first name, and compound first names', async () => {
    expect(await level('given', { given_name: 'Anne' }, { given_name: 'Kathryn', middle_name: 'Anne' })).toBe(
      2,
    );
    expect(await level('given', { given_name: 'Maria Guadalupe' }, { given_name: 'Maria Del Carmen' })).toBe(
      3,
    );
    expect(await level('given', { given_name: 'Maria' }, { given_name: 'Maria', middle_name: 'Elena' })).toBe(
      4,
    );
    expect(
      await level('given', { given_name: 'Maria Elena' }, { given_name: 'Maria', middle_name: 'Elena' }),
    ).toBe(4);
  });

  it.each<[number, Row, Row]>([
    [0, { family_name: 'Jones' }, {}],
    [1, { family_name: 'Smyth' }, {}],
    [2, { family_name: 'Garcia Perez' }, { family_name: 'Garcia Lopez' }],
    [3, { family_name: 'Garcia' }, { family_name: 'García-López' }],
    [4, { family_name: 'smith' }, {}],
  ])('family level %i', async (lvl, req, master) => {
    expect(await level('family', req, master)).toBe(lvl);
  });

  it.each([
    [-1, { middle_name: null }, { middle_name: 'Ann' }],
    [0, { middle_name: 'Beth' }, { middle_name: 'Ann' }],
    [1, { middle_name: 'A' }, { middle_name: 'Ann' }],
    [2, { middle_name: 'Ann' }, { middle_name: 'ANN' }],
  ])('middle level %i', async (lvl, req, master) => {
    expect(await level('middle', req, master)).toBe(lvl);
  });

  it.each([
    [0, { name_suffix: 'Jr' }, { name_suffix: 'Sr' }],
    [1, { name_suffix: 'Jr' }, {}],
    [2, {}, {}],
    [2, { name_suffix: 'III' }, { family_name: 'Smith III' }],
  ])('suffix level %i', async (lvl, req, master) => {
    expect(await level('suffix', req, master)).toBe(lvl);
  });

  it.each([
    [0, '1975-08-19'],
    [1, '1980-09-30'],
    [2, '1979-02-03'],
    [3, '1980-02-08'],
    [4, '1980-03-02'],
    [5, '1980-02-03'],
    [-1, null],
  ])('date of birth level %i (%s against 1980-02-03)', async (lvl, dob) => {
    expect(await level('dob', { date_of_birth: dob }, {})).toBe(lvl);
  });

  it('date of birth: a one-digit change that moves the year by decades is not a typo', async () => {
    expect(await level('dob', { date_of_birth: '1950-02-03' }, {})).toBe(0);
  });

  it.each([
    [0, { street: '99 Elm Ave', zip: '60601', city: 'Chicago' }],
    [1, { street: '99 Elm Ave' }],
    [2, { street: '14 Oak St' }],
    [3, { street: '12 Oak', zip: '62701' }],
    [3, { street: '12 Oka St' }],
    [4, { street: '12 OAK STREET' }],
  ])('address level %i', async (lvl, req) => {
    expect(await level('address', req, {})).toBe(lvl);
  });

  it.each<[number, { request?: string; master?: string }]>([
    [-1, {}],
    [0, { request: '111111111' }],
    [2, { request: '123-45-6789', master: '123456789' }],
  ])('tin level %i', async (lvl, tins) => {
    expect(await level('tin', {}, {}, tins)).toBe(lvl);
  });

  it('tin level 1: the same TIN on a taxpayer whose name does not agree (rule C4)', async () => {
    expect(
      await level(
        'tin',
        { given_name: 'Peter', family_name: 'Jones' },
        {},
        { request: '123456789', master: '123456789' },
      ),
    ).toBe(1);
  });
});

describe('dateDigitsOneEditSql', () => {
  it('agrees with Damerau–Levenshtein distance 1 on YYYYMMDD for every kind of near date', async () => {
    // Random pairs, days apart, years apart, day/month swaps, and adjacent-digit transpositions.
    const rows = await queryRows<{ pairs: number; hits: number; mismatches: number }>(
      conn,
      `WITH d AS (SELECT DATE '1900-01-01' + (i * 7919 % 45000)::INTEGER AS a, i FROM range(60000) t(i)),
       p AS (
         SELECT a, a + ((i * 31) % 41 - 20)::INTEGER AS b FROM d
         UNION ALL SELECT a, make_date(year(a) + (i % 21 - 10)::INTEGER, month(a), least(day(a), 28)) FROM d
         UNION ALL SELECT a, make_date(year(a), least(day(a), 12), least(month(a), 28)) FROM d
         UNION ALL SELECT a, DATE '1900-01-01' + (i * 104729 % 45000)::INTEGER FROM d
         UNION ALL SELECT a, try_strptime(
             substr(strftime(a, '%Y%m%d'), 1, (i % 7)::INTEGER) || substr(strftime(a, '%Y%m%d'), (i % 7)::INTEGER + 2, 1)
             || substr(strftime(a, '%Y%m%d'), (i % 7)::INTEGER + 1, 1) || substr(strftime(a, '%Y%m%d'), (i % 7)::INTEGER + 3),
             '%Y%m%d')::DATE FROM d
       )
       SELECT count(*) AS pairs,
         count(*) FILTER (damerau_levenshtein(strftime(a, '%Y%m%d'), strftime(b, '%Y%m%d')) = 1) AS hits,
         count(*) FILTER ((damerau_levenshtein(strftime(a, '%Y%m%d'), strftime(b, '%Y%m%d')) = 1) <> ${dateDigitsOneEditSql(dateYmdSql('a'), dateYmdSql('b'))}) AS mismatches
       FROM p WHERE b IS NOT NULL`,
    );
    expect(rows[0]!.pairs).toBeGreaterThan(250_000);
    expect(rows[0]!.hits).toBeGreaterThan(10_000);
    expect(rows[0]!.mismatches).toBe(0);
  });
});
