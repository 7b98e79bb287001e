import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { INTERCHANGE_REQUEST_COLUMNS, MASTER_COLUMNS } from '../ingest/columns.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { type DuckDBConnection, openDuck, queryRows, sqlString } from '../store/duckdb.js';
import { testModel } from '../test-support/fs-model.js';
import { BLOCKING_RULES, buildMasterKeys, keyHashSql, masterKeySql } from './blocking.js';
import { DEFAULT_MAX_BLOCK, prepareMaster, runFsMatcher } from './fs-matcher.js';

type Row = Record<string, string | null>;
const MASTER_COLS = [...MASTER_COLUMNS];
const REQ_COLS = INTERCHANGE_REQUEST_COLUMNS.slice(0, 12);

let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;

const values = (rows: Row[], cols: string[]) =>
  rows
    .map((r, i) => `(${i + 1}, ${cols.map((c) => (r[c] == null ? 'NULL' : sqlString(r[c]!))).join(', ')})`)
    .join(',\n');

/** Master taxpayers of the scenarios (tin, names, dob, address rows). */
const M = (
  tin: string,
  given: string,
  family: string,
  dob: string | null,
  street: string,
  year = '2023',
  extra: Row = {},
): Row => ({
  tin,
  given_name: given,
  middle_name: null,
  family_name: family,
  name_suffix: null,
  date_of_birth: dob,
  street,
  unit: null,
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  address_tax_year: year,
  ...extra,
});
const SCENARIOS: Row[] = [
  // A household: same address and family name, different given names.
  M('100000001', 'Maria', 'Garcia Lopez', '1975-04-02', '12 Oak St'),
  M('100000002', 'Jose', 'Garcia Lopez', '1973-09-30', '12 Oak St'),
  M('100000003', 'Ana', 'Garcia', '2001-01-15', '12 Oak St'),
  // Jr/Sr at one address.
  M('100000011', 'Robert', 'Whitfield', '1961-06-10', '40 Elm Ave', '2023', { name_suffix: 'SR' }),
  M('100000012', 'Robert', 'Whitfield', '1989-03-22', '40 Elm Ave', '2023', { name_suffix: 'JR' }),
  // Father and son of one name, no suffix on record.
  M('100000015', 'Kevin', 'Orrington', '1958-01-20', '8 Birch Ln'),
  M('100000016', 'Kevin', 'Orrington', '1986-09-02', '8 Birch Ln'),
  // Twins: same birth date, family name and address.
  M('100000021', 'Carlos', 'Mendoza', '1995-07-07', '9 Pine Rd'),
  M('100000022', 'Miguel', 'Mendoza', '1995-07-07', '9 Pine Rd'),
  // A mover: prior address in 2019, current one in 2023.
  M('100000031', 'Eleanor', 'Rigby', '1950-12-01', '77 Penny Ln', '2019'),
  M('100000031', 'Eleanor', 'Rigby', '1950-12-01', '5 Abbey Rd', '2023'),
  // One twin only is a taxpayer; the request may be about the other.
  M('100000051', 'Francisco', 'Ibarra', '1990-05-05', '3 Cedar Ct', '2023', { middle_name: 'Javier' }),
  M('100000061', 'Maria Guadalupe', 'Romero', '2005-02-03', '689 Johnson Pl'),
  // Someone whose TIN a request will misuse.
  M('100000041', 'Walter', 'Kowalski', '1944-02-02', '300 Grand Blvd'),
];

beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
  conn = duck.conn;
  await installStandardizer(conn);
  await conn.run(
    `CREATE TABLE master_raw AS SELECT * FROM (VALUES ${values(SCENARIOS, MASTER_COLS)}) t(row_no, ${MASTER_COLS.join(', ')})`,
  );
  // Filler taxpayers so that name frequencies are realistic-ish (no name dominates).
  await conn.run(`INSERT INTO master_raw SELECT 1000 + i, (200000000 + i)::VARCHAR, 'Given' || (i % 997)::VARCHAR, NULL, 'Family' || (i % 1999)::VARCHAR, NULL,
      strftime(DATE '1940-01-01' + INTERVAL (i % 20000) DAY, '%Y-%m-%d'), (i % 500 + 1)::VARCHAR || ' Filler St', NULL, 'Springfield', 'IL', '627' || lpad((i % 90)::VARCHAR, 2, '0'), '2023'
    FROM range(20000) r(i)`);
  await standardizeMaster(conn, 'master_raw', 'mst_std');
  await prepareMaster(conn);
});
afterAll(() => duck.close());

const R = (
  id: string,
  given: string,
  family: string,
  dob: string | null,
  street: string,
  extra: Row = {},
): Row => ({
  request_id: id,
  given_name: given,
  middle_name: null,
  family_name: family,
  name_suffix: null,
  date_of_birth: dob,
  street,
  unit: null,
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  tin: null,
  ...extra,
});

async function match(
  requests: Row[],
): Promise<
  Map<string, { outcome: string; master_tin: string | null; codes: string[]; evidence: string | null }>
> {
  await conn.run(
    `CREATE OR REPLACE TABLE req_raw AS SELECT * FROM (VALUES ${values(requests, REQ_COLS)}) t(row_no, ${REQ_COLS.join(', ')})`,
  );
  await standardizeRequests(conn, 'req_raw', 'req_std');
  await runFsMatcher(conn, 'results', {
    agreement: BUILTIN_AGREEMENT,
    model: testModel(),
    threads: 2,
    oversizedKeysSkipped: {},
  });
  const rows = await queryRows<{
    request_id: string;
    outcome: string;
    master_tin: string | null;
    codes: string[];
    evidence: string | null;
  }>(
    conn,
    'SELECT q.request_id, r.outcome, r.master_tin, r.codes, r.evidence FROM results r JOIN req_raw q USING (row_no)',
  );
  return new Map(rows.map((r) => [r.request_id, r]));
}

describe('fs matcher decisions', () => {
  it('households: each member is told apart by given name', async () => {
    const r = await match([
      R('h1', 'Maria', 'Garcia Lopez', '1975-04-02', '12 Oak Street'),
      R('h2', 'Jose', 'Garcia', '1973-09-30', '12 Oak St'),
    ]);
    expect(r.get('h1')).toMatchObject({ outcome: 'disclosed', master_tin: '100000001' });
    expect(r.get('h2')).toMatchObject({ outcome: 'disclosed', master_tin: '100000002' });
    expect(r.get('h1')!.codes).toEqual(['MATCH_CONFIRMED', 'ADDRESS_IS_CURRENT']);
  });

  it('Jr/Sr: the birth date or the suffix tells them apart; with neither, the record is ambiguous', async () => {
    const r = await match([
      R('j1', 'Robert', 'Whitfield', '1989-03-22', '40 Elm Ave'),
      R('j2', 'Kevin', 'Orrington', null, '8 Birch Lane'),
      R('j3', 'Kevin', 'Orrington', '1986-09-02', '8 Birch Ln'),
      R('j4', 'Robert', 'Whitfield', null, '40 Elm Ave'),
    ]);
    expect(r.get('j1')).toMatchObject({ outcome: 'disclosed', master_tin: '100000012' });
    expect(r.get('j2')).toMatchObject({ outcome: 'ambiguous', codes: ['AMBIGUOUS_MATCH'] });
    expect(JSON.parse(r.get('j2')!.evidence!).runner_up.tin).toMatch(/^10000001[56]$/);
    expect(r.get('j3')).toMatchObject({ outcome: 'disclosed', master_tin: '100000016' });
    // A suffix on the taxpayer's side only, and no birth date: neither Robert can be confirmed.
    expect(r.get('j4')).toMatchObject({ outcome: 'no_match', codes: ['IDENTITY_CONFLICT'] });
  });

  it('twins: the twin named is found but held for review (a requester may name one for the other); a request naming neither is not disclosed', async () => {
    const r = await match([
      R('t1', 'Miguel', 'Mendoza', '1995-07-07', '9 Pine Road'),
      R('t2', 'Luis', 'Mendoza', '1995-07-07', '9 Pine Rd'),
    ]);
    expect(r.get('t1')).toMatchObject({
      outcome: 'pending_review',
      master_tin: '100000022',
      codes: ['TWIN_NOT_EXCLUDED'],
    });
    expect(r.get('t2')!.outcome).not.toBe('disclosed');
  });

  it('C1: the address must agree with an address of record, current or earlier', async () => {
    const r = await match([
      R('a1', 'Eleanor', 'Rigby', '1950-12-01', '77 Penny Lane'),
      R('a2', 'Eleanor', 'Rigby', '1950-12-01', '1 Nowhere St'),
    ]);
    expect(r.get('a1')).toMatchObject({ outcome: 'disclosed', master_tin: '100000031' });
    expect(r.get('a1')!.codes).toEqual(['MATCH_CONFIRMED', 'ADDRESS_IS_PRIOR']);
    expect(r.get('a2')).toMatchObject({
      outcome: 'no_match',
      master_tin: null,
      codes: ['ADDRESS_NOT_CONFIRMED'],
    });
  });

  it('C4: a TIN never stands in for name and address; a TIN of a differently named taxpayer counts against', async () => {
    const r = await match([
      // Right name and address, but the TIN of someone else: held for review.
      R('c1', 'Maria', 'Garcia Lopez', '1975-04-02', '12 Oak St', { tin: '100000041' }),
      // The TIN of a taxpayer at his address but another name: never disclosed.
      R('c2', 'Peter', 'Novak', null, '300 Grand Blvd', { tin: '100000041' }),
      // The right TIN agrees: disclosed, and the TIN is noted as corroboration.
      R('c3', 'Walter', 'Kowalski', '1944-02-02', '300 Grand Blvd', { tin: '100-00-0041' }),
    ]);
    expect(r.get('c1')).toMatchObject({ outcome: 'pending_review', codes: ['TIN_NAME_CONFLICT'] });
    expect(r.get('c2')!.outcome).not.toBe('disclosed');
    expect(r.get('c3')).toMatchObject({ outcome: 'disclosed', master_tin: '100000041' });
    expect(r.get('c3')!.codes).toContain('TIN_CORROBORATES');
  });

  it("twins: a given name only close to the taxpayer's is held for review unless middle name or TIN confirms", async () => {
    const r = await match([
      R('g1', 'Francisca', 'Ibarra', '1990-05-05', '3 Cedar Ct'),
      R('g2', 'Franciso', 'Ibarra', '1990-05-05', '3 Cedar Ct', { middle_name: 'Javier' }),
      R('g3', 'Maria Del Carmen', 'Romero', '2005-02-03', '689 Johnson Pl'),
      R('g4', 'Maria Guadalupe', 'Romero', '2005-02-03', '689 Johnson Pl'),
    ]);
    expect(r.get('g1')).toMatchObject({
      outcome: 'pending_review',
      master_tin: '100000051',
      codes: ['GIVEN_NAME_NOT_CONFIRMED'],
    });
    expect(r.get('g2')).toMatchObject({ outcome: 'disclosed', master_tin: '100000051' });
    expect(r.get('g3')).toMatchObject({ outcome: 'pending_review', codes: ['GIVEN_NAME_NOT_CONFIRMED'] });
    expect(r.get('g4')).toMatchObject({ outcome: 'disclosed', master_tin: '100000061' });
  });

  it('without a birth date, only a suffix on both sides tells relatives apart (a TIN does not)', async () => {
    const r = await match([
      R('d1', 'Eleanor', 'Rigby', null, '5 Abbey Rd'),
      R('d2', 'Eleanor', 'Rigby', null, '5 Abbey Rd', { tin: '100000031' }),
      R('d3', 'Robert', 'Whitfield', null, '40 Elm Ave', { name_suffix: 'Jr' }),
    ]);
    expect(r.get('d1')).toMatchObject({
      outcome: 'pending_review',
      master_tin: '100000031',
      codes: ['BIRTH_DATE_NOT_CONFIRMED'],
    });
    expect(r.get('d2')).toMatchObject({
      outcome: 'pending_review',
      master_tin: '100000031',
      codes: ['BIRTH_DATE_NOT_CONFIRMED'],
    });
    expect(r.get('d3')).toMatchObject({ outcome: 'disclosed', master_tin: '100000012' });
  });

  it('nobody like the request: NO_MATCH', async () => {
    const r = await match([
      R('n1', 'Zebulon', 'Quixotic', '1999-09-09', '1 Unique Way', {
        zip: '99999',
        city: 'Nome',
        state: 'AK',
      }),
    ]);
    expect(r.get('n1')).toMatchObject({ outcome: 'no_match', codes: ['NO_MATCH'], master_tin: null });
  });

  it('records the evidence: model version, per-field levels and weights, runner-up', async () => {
    const r = await match([R('e1', 'Maria', 'Garcia Lopez', '1975-04-02', '12 Oak St')]);
    const ev = JSON.parse(r.get('e1')!.evidence!);
    expect(ev.model).toBe(testModel().version);
    expect(ev.best.tin).toBe('100000001');
    expect(ev.best.fields.map((f: { field: string }) => f.field)).toEqual([
      'given',
      'family',
      'middle',
      'suffix',
      'dob',
      'address',
      'tin',
    ]);
    expect(ev.best.fields.find((f: { field: string }) => f.field === 'dob')).toMatchObject({
      level: 5,
      label: 'exact',
    });
    // Jose, the household's other adult, differs in given name and birth date: no runner-up.
    expect(ev.runner_up).toBeNull();
    expect(ev.candidates).toBeGreaterThanOrEqual(3);
  });
});

describe('master blocking keys', () => {
  it('computed for all rules in two passes equal each rule read on its own', async () => {
    const perRule = BLOCKING_RULES.map(
      (r, i) =>
        `SELECT ${i}::UTINYINT AS rule, ${keyHashSql(i, 'key')} AS key, tin::INTEGER AS tin FROM (${masterKeySql(r)})`,
    ).join(' UNION ALL ');
    const caps = BLOCKING_RULES.map((r, i) => `(${i}, ${Math.min(r.maxBlock, DEFAULT_MAX_BLOCK)})`).join(
      ', ',
    );
    const rows = await queryRows<{ reference: number; built: number; differ: number; rules: number }>(
      conn,
      `WITH ref AS (
         SELECT g.rule, g.key, g.tins FROM (
           SELECT rule, key, list_sort(list_distinct(list(tin))) AS tins FROM (${perRule}) GROUP BY rule, key) g
         JOIN (VALUES ${caps}) c(rule, cap) ON c.rule = g.rule WHERE len(g.tins) <= c.cap),
       b AS (SELECT rule, key, list_sort(tins) AS tins FROM master_keys)
       SELECT (SELECT count(*) FROM ref) AS reference, (SELECT count(*) FROM b) AS built,
              (SELECT count(DISTINCT rule) FROM b) AS rules,
              (SELECT count(*) FROM (SELECT * FROM ref EXCEPT SELECT * FROM b)) + (SELECT count(*) FROM (SELECT * FROM b EXCEPT SELECT * FROM ref)) AS differ`,
    );
    expect(rows[0]!.reference).toBeGreaterThan(20_000);
    expect(rows[0]!.rules).toBe(BLOCKING_RULES.length);
    expect(rows[0]!.built).toBe(rows[0]!.reference);
    expect(rows[0]!.differ).toBe(0);
  });

  it('are the same gathered in many slices as in one (bounded memory changes nothing)', async () => {
    await buildMasterKeys(conn, 'mk_sliced', DEFAULT_MAX_BLOCK, 5_000);
    const rows = await queryRows<{ one: number; sliced: number; differ: number }>(
      conn,
      `WITH a AS (SELECT rule, key, list_sort(tins) AS tins FROM master_keys),
            b AS (SELECT rule, key, list_sort(tins) AS tins FROM mk_sliced)
       SELECT (SELECT count(*) FROM a) AS one, (SELECT count(*) FROM b) AS sliced,
              (SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM b)) + (SELECT count(*) FROM (SELECT * FROM b EXCEPT SELECT * FROM a)) AS differ`,
    );
    expect(rows[0]!.one).toBeGreaterThan(20_000);
    expect(rows[0]!.sliced).toBe(rows[0]!.one);
    expect(rows[0]!.differ).toBe(0);
  });
});
