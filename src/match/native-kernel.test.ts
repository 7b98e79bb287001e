import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installStandardizer } from '../standardize/index.js';
import { type DuckDBConnection, openDuck, queryRows, queryValue } from '../store/duckdb.js';
import { comparisonEngine, nativeKernelUnavailable, registerKernel } from './native-kernel.js';

/**
 * The native kernel's string tests are DuckDB's, bit for bit: the levels compare similarities
 * with thresholds, and a similarity one rounding error away would move a pair across one.
 */
let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;

const column = (file: string) =>
  readFileSync(new URL(`../../data/synth/${file}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);

beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
  conn = duck.conn;
  await installStandardizer(conn);
  await registerKernel(conn);
  // Every pair of given names, of family names and of street names in the synthetic data (the
  // names a population is made of), plus edge cases: one letter, a prefix, a transposition,
  // non-ASCII letters, a long text.
  const values = (names: string[]) => names.map((n) => `('${n.replaceAll("'", "''")}')`).join(', ');
  const extra = [
    'A',
    'B',
    'AB',
    'BA',
    'ABC',
    'ACB',
    'JOSÉ',
    'JOSE',
    'ÑANDÚ',
    'MARIA GUADALUPE',
    'X'.repeat(70),
    `${'X'.repeat(69)}Y`,
  ];
  for (const [table, names] of [
    ['given', [...column('given-names.csv'), ...extra]],
    ['family', [...column('family-names.csv'), ...extra]],
    ['street', column('streets.csv')],
  ] as const)
    await conn.run(
      `CREATE TABLE ${table}_names AS SELECT DISTINCT * FROM (VALUES ${values([...names])}) t(v)`,
    );
  await conn.run(`CREATE TABLE name_pairs AS
    SELECT a.v AS a, b.v AS b FROM given_names a, given_names b
    UNION ALL SELECT a.v, b.v FROM family_names a, family_names b
    UNION ALL SELECT a.v, b.v FROM street_names a, street_names b`);
}, 60_000);

afterAll(() => duck.close());

describe('native comparison kernel', () => {
  it('is built and loads (npm install builds it; the SQL reference is only the fallback)', () => {
    expect(nativeKernelUnavailable()).toBeUndefined();
  });

  it('computes Jaro-Winkler exactly as DuckDB does, in both argument orders', async () => {
    const pairs = await queryValue<number>(conn, 'SELECT count(*) FROM name_pairs');
    expect(pairs).toBeGreaterThan(200_000);
    const differ = await queryRows(
      conn,
      `SELECT a, b, custodian_jaro_winkler(a, b) AS ours, jaro_winkler_similarity(a, b) AS duckdb FROM name_pairs
       WHERE custodian_jaro_winkler(a, b) IS DISTINCT FROM jaro_winkler_similarity(a, b) LIMIT 5`,
    );
    expect(differ).toEqual([]);
    // Not vacuous: the pairs span the thresholds the comparisons use.
    const spread = await queryRows<{ n: number }>(
      conn,
      `SELECT count(*) AS n FROM name_pairs GROUP BY floor(jaro_winkler_similarity(a, b) * 10) ORDER BY 1`,
    );
    expect(spread.length).toBeGreaterThanOrEqual(8);
  });

  it('decides Jaro-Winkler thresholds with its bounds exactly as the full similarity does', async () => {
    const differ = await queryRows(
      conn,
      `SELECT a, b, t FROM name_pairs, (VALUES (0.7), (0.8), (0.9), (0.92), (0.95)) th(t)
       WHERE custodian_jaro_winkler_at_least(a, b, t) <> (jaro_winkler_similarity(a, b) >= t) LIMIT 5`,
    );
    expect(differ).toEqual([]);
    expect(
      await queryValue<number>(
        conn,
        'SELECT count(*) FROM name_pairs WHERE custodian_jaro_winkler_at_least(a, b, 0.92) AND a <> b',
      ),
    ).toBeGreaterThan(100);
  });

  it('tests "one edit apart" as damerau_levenshtein(a, b) <= 1', async () => {
    await conn.run(`CREATE OR REPLACE TABLE edit_pairs AS
      SELECT a, b FROM name_pairs
      UNION ALL SELECT v, v || 'S' FROM given_names UNION ALL SELECT v || 'S', v FROM given_names
      UNION ALL SELECT v, substr(v, 2, 1) || substr(v, 1, 1) || substr(v, 3) FROM given_names
      UNION ALL SELECT v, substr(v, 1, 2) || 'Q' || substr(v, 4) FROM family_names`);
    const differ = await queryRows(
      conn,
      `SELECT a, b FROM edit_pairs WHERE custodian_within_one_edit(a, b) <> (damerau_levenshtein(a, b) <= 1) LIMIT 5`,
    );
    expect(differ).toEqual([]);
    expect(
      await queryValue<number>(
        conn,
        'SELECT count(*) FROM edit_pairs WHERE custodian_within_one_edit(a, b) AND a <> b',
      ),
    ).toBeGreaterThan(1000);
  });

  it("computes a given name's Soundex as the standardiser's macro does", async () => {
    // Every given name and family name of the synthetic data as standardised, each word, and
    // words built to reach every rule: H and W between equal codes, vowels between them, an
    // initial letter with the same code as the next, digits, no letter at all.
    await conn.run(`CREATE OR REPLACE TABLE soundex_words AS
      SELECT DISTINCT w FROM (
        SELECT unnest(string_split(std_clean(v), ' ')) AS w FROM (SELECT v FROM given_names UNION ALL SELECT v FROM family_names)
        UNION ALL SELECT unnest(['ASHCRAFT', 'ASHCROFT', 'TYMCZAK', 'PFISTER', 'HONEYMAN', 'JACKSON', 'LLOYD', 'WHW',
          'HWAA', 'A', 'H', 'J2', 'BB2B', '123', 'SCHWARZENEGGERSCHWARZENEGGER', 'AEIOUY', 'BOBBY', 'KKKKKK']))
      WHERE w IS NOT NULL`);
    const differ = await queryRows(
      conn,
      `SELECT w, custodian_soundex(w) AS ours, soundex(w) AS macro FROM soundex_words
       WHERE custodian_soundex(w) IS DISTINCT FROM soundex(w) LIMIT 5`,
    );
    expect(differ).toEqual([]);
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM soundex_words')).toBeGreaterThan(500);
    expect(
      await queryValue<number>(conn, 'SELECT count(*) FROM soundex_words WHERE custodian_soundex(w) IS NULL'),
    ).toBe(1);
  });

  it('registers once per database', async () => {
    await registerKernel(conn);
    expect(
      await queryValue<number>(
        conn,
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'custodian_score_taxpayer'",
      ),
    ).toBe(1);
  });
});

describe('comparison engine choice', () => {
  const saved = process.env.CUSTODIAN_COMPARISON_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.CUSTODIAN_COMPARISON_ENGINE;
    else process.env.CUSTODIAN_COMPARISON_ENGINE = saved;
  });

  it('is the native kernel when built, the SQL reference when asked for', () => {
    delete process.env.CUSTODIAN_COMPARISON_ENGINE;
    expect(comparisonEngine()).toBe('native');
    process.env.CUSTODIAN_COMPARISON_ENGINE = 'sql';
    expect(comparisonEngine()).toBe('sql');
    process.env.CUSTODIAN_COMPARISON_ENGINE = 'native';
    expect(comparisonEngine()).toBe('native');
  });

  it('refuses an unknown engine with a usage error', () => {
    process.env.CUSTODIAN_COMPARISON_ENGINE = 'fast';
    expect(() => comparisonEngine()).toThrow(/CUSTODIAN_COMPARISON_ENGINE is 'fast'/);
  });
});
