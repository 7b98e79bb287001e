import { type DuckDBConnection, queryValue } from '../store/duckdb.js';
import { addressFieldsSql, valueHashSql } from './compare-master.js';
import {
  addressLevelSql,
  COMPARISONS,
  type Comparison,
  dateYmdSql,
  FAMILY_DIFFERENT_PAIR_FEATURES_SQL,
  familyOneTokenSql,
  GIVEN_PAIR_FEATURES_SQL,
  givenRestSql,
  levelSql,
} from './comparisons.js';
import type { FsModel } from './fs-model.js';
import { scoreSql } from './fs-score.js';

/** Rows a connection's cache of name tests may hold before it is dropped (memory stays bounded). */
const CACHE_MAX_ROWS = 20_000_000;

/**
 * The address level of a request (`r.*`, encoded as `addressFieldsSql`) against one address of
 * record (`x.*`, the same fields), times two, plus one for the current address: the pair's best
 * over all its addresses is the largest of these, and a current address wins a tie (rule C1).
 */
function addressCodeSql(x: string, current: boolean): string {
  const level = addressLevelSql(
    (f) =>
      ({
        key: `r.ak IS NOT NULL AND r.ak = ${x}ak`,
        house: `r.hn = ${x}hn`,
        street: `r.sn = ${x}sn`,
        zip: `r.zip = ${x}zip`,
        locality: `r.loc = ${x}loc`,
      })[f],
    'r.sn',
    `${x}sn`,
  );
  return `(${level.replaceAll('\n', ' ')}) * 2${current ? ' + 1' : ''}`;
}

const GIVEN = COMPARISONS.find((c) => c.id === 'given')!;
const FAMILY = COMPARISONS.find((c) => c.id === 'family')!;
/** The given-name comparison's top level ("exact"): the whole given name agrees. */
const GIVEN_EXACT_SQL = GIVEN.levels[GIVEN.levels.length - 1]!.sql;
/** Encoded forms of the reference's middle-name facts (pair-levels-reference.ts). */
const GIVEN_MIDDLE_INITIAL_SQL = 'p_mid_letter AND r_given_initial = p_middle_std';
const GIVEN_MIDDLE_FULL_SQL = 'r_given_long AND r_given_first = p_middle_std';

/**
 * The facts about a pair packed into `pair_base.codes`: [first bit, width]. Levels are stored
 * plus one where they can be -1 (missing); flags are 0 or 1 (NULL counts as 0: every flag is
 * read as a condition, where NULL and false are alike).
 */
const PAIR_CODES = {
  /** Best address level times two, plus one when it is the current address (0–9). */
  addr: [0, 4],
  middle: [4, 2],
  suffix: [6, 2],
  dob: [8, 3],
  suffixPair: [11, 1],
  familyFirstKnown: [12, 1],
  /** Given-name facts with the names as written, then with given and family swapped. */
  exact: [13, 1],
  middleInitial: [14, 1],
  middleFull: [15, 1],
  exactSwapped: [16, 1],
  middleInitialSwapped: [17, 1],
  middleFullSwapped: [18, 1],
} as const;
type PairCode = keyof typeof PAIR_CODES;

function codeSql(codes: string, k: PairCode): string {
  const [shift, width] = PAIR_CODES[k];
  return `((${codes} >> ${shift}) & ${2 ** width - 1})`;
}

/** `sql` with its column names replaced (whole words): evaluates a comparison over other columns. */
function bindColumns(sql: string, columns: Record<string, string>): string {
  return sql.replace(/\b[a-z_]+\b/g, (w) => columns[w] ?? w);
}

/**
 * Comparison levels for a set of (row_no, tin) pairs: `target(row_no, tin, swapped, addr_current,
 * suffix_pair, tf_given_p, tf_family_p, l_given, l_family, …)` (`tin` an integer; the address
 * level is `l_address`, a TIN held by a differently named taxpayer `l_tin = 1`), and with
 * `score`, the model's weight as well (`scoreSql`), in the same statement. Shared by training
 * (random and blocked pairs) and scoring, so the model is trained on exactly what it scores.
 * Only what the decision reads is kept: the pairs of a chunk are many, and every column of
 * every pair costs time to write.
 *
 * Reads `req_std` (standardised requests), `mst_cmp` (one encoded row per taxpayer with its
 * addresses of record, compare-master.ts) and `tf_given` / `tf_family` (name frequencies and the
 * names as text). The comparisons are those of comparisons.ts, evaluated over hashed values:
 * equality of two names or addresses is equality of their hashes, and every test that needs the
 * text (spelling, nicknames, phonetic codes) is made once per distinct pair of values, in a
 * small table joined back. `pair-levels-reference.ts` computes the same levels over the text;
 * a test holds the two equal.
 *
 * The work per chunk: one join of the pairs with the taxpayers (`pair_base`, integers and short
 * text only), a few scans of it for the distinct name pairs, and one statement for the levels
 * and weights.
 */
export async function computePairLevels(
  conn: DuckDBConnection,
  pairs: string,
  target: string,
  score?: FsModel,
): Promise<void> {
  await ensureNameInfo(conn);
  // The requests, encoded like the master, with the master frequency of their names (for the
  // weights; both orientations), and their name texts by hash (for the similarity tables).
  await conn.run(`CREATE OR REPLACE TEMP TABLE req_cmp AS
    SELECT r.row_no,
      ${valueHashSql('r.given_first')} AS gf, ${valueHashSql('r.family_first')} AS ff,
      ${valueHashSql('r.given_std')} AS gs, ${valueHashSql('r.family_std')} AS fam,
      ${valueHashSql(givenRestSql('r.given_std', 'r.given_first'))} AS gr,
      ${valueHashSql('r.middle_std')} AS mid, ${valueHashSql('r.middle_initial')} AS mi,
      ${valueHashSql('r.given_first[1]')} AS gf1, ${valueHashSql('r.family_first[1]')} AS ff1,
      length(r.given_first) > 1 AS gf_long, length(r.family_first) > 1 AS ff_long,
      r.name_suffix_std AS sfx, ${dateYmdSql('r.dob')} AS dob, r.tin_std::INTEGER AS rtin,
      ${addressFieldsSql('r.')},
      g.p AS g_p, gs.p AS g_swapped_p, f.p AS f_p, fs.p AS f_swapped_p
    FROM req_std r
    LEFT JOIN tf_given g ON g.h = ${valueHashSql('r.given_first')} LEFT JOIN tf_given gs ON gs.h = ${valueHashSql('r.family_first')}
    LEFT JOIN tf_family f ON f.h = ${valueHashSql('r.family_std')} LEFT JOIN tf_family fs ON fs.h = ${valueHashSql('r.given_std')}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE req_names AS
    SELECT DISTINCT ${valueHashSql('v')} AS h, v AS value FROM (
      SELECT unnest([given_first, family_first, given_std]) AS v FROM req_std) WHERE v IS NOT NULL`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE req_families AS
    SELECT ${valueHashSql('family_std')} AS h, family_std AS value, any_value(family_tokens) AS tokens,
      any_value(family_first) AS first, any_value(family_phonetic) AS phonetic
    FROM req_std WHERE family_std IS NOT NULL GROUP BY family_std`);

  // Each pair with the taxpayer's name hashes and one integer packing everything else the
  // levels need (PAIR_CODES): the levels that do not depend on the names' orientation, the
  // best address, and the facts about the given name in both orientations.
  const oriented = (swapped: boolean) => ({
    r_given_first: swapped ? 'r.ff' : 'r.gf',
    r_given_rest: swapped ? 'NULL' : 'r.gr',
    r_given_initial: swapped ? 'r.ff1' : 'r.gf1',
    r_given_long: swapped ? 'r.ff_long' : 'r.gf_long',
    p_given_first: 'p.gf',
    p_given_rest: 'p.gr',
    p_middle_std: 'p.mid',
    p_mid_letter: 'p.mid_letter',
    r_middle_std: 'r.mid',
  });
  const fixed = {
    r_middle_std: 'r.mid',
    p_middle_std: 'p.mid',
    r_middle_initial: 'r.mi',
    p_middle_initial: 'p.mi',
    r_suffix: 'r.sfx',
    p_suffix: 'p.sfx',
    r_dob: 'r.dob',
    p_dob: 'p.dob',
  };
  const level = (id: string) => bindColumns(levelSql(COMPARISONS.find((c) => c.id === id)!), fixed);
  const flag = (sql: string) => `coalesce(${sql}, false)::INTEGER`;
  const givenFacts = (swapped: boolean) => {
    const o = oriented(swapped);
    return {
      exact: flag(bindColumns(GIVEN_EXACT_SQL, o)),
      middleInitial: flag(bindColumns(GIVEN_MIDDLE_INITIAL_SQL, o)),
      middleFull: flag(bindColumns(GIVEN_MIDDLE_FULL_SQL, o)),
    };
  };
  const u = givenFacts(false);
  const w = givenFacts(true);
  const packed: Record<PairCode, string> = {
    addr: `CASE WHEN p.prior IS NULL THEN ${addressCodeSql('p.', true)}
        ELSE greatest(${addressCodeSql('p.', true)}, list_max(list_transform(p.prior, x -> ${addressCodeSql('x.', false)}))) END`,
    middle: `${level('middle')} + 1`,
    suffix: level('suffix'),
    dob: `${level('dob')} + 1`,
    suffixPair: flag('r.sfx = p.sfx'),
    familyFirstKnown: flag('p.ff IS NOT NULL'),
    exact: u.exact,
    middleInitial: u.middleInitial,
    middleFull: u.middleFull,
    exactSwapped: w.exact,
    middleInitialSwapped: w.middleInitial,
    middleFullSwapped: w.middleFull,
  };
  await conn.run(`CREATE OR REPLACE TEMP TABLE pair_base AS
    SELECT c.row_no, p.tin, p.gf AS p_gf, p.fam AS p_fam,
      ${Object.entries(packed)
        .map(([k, e]) => `((${e}) << ${PAIR_CODES[k as PairCode][0]})`)
        .join(' | ')} AS codes
    FROM ${pairs} c JOIN req_cmp r USING (row_no) JOIN mst_cmp p ON p.tin = c.tin::INTEGER`);

  // Given and family names written the other way round: the request's given name is (close
  // to) the taxpayer's family name, and the request's family name (close to, or a nickname
  // of) the taxpayer's given name. Tested per distinct pair of names, and only where the
  // given names differ.
  const swapPossible = `r.gf IS NOT NULL AND r.ff IS NOT NULL AND b.p_gf IS NOT NULL AND ${codeSql('b.codes', 'familyFirstKnown')} = 1 AND r.gf <> b.p_gf`;
  await conn.run(
    `CREATE TEMP TABLE IF NOT EXISTS cache_swap_given_family (gf UBIGINT, fam UBIGINT, swap BOOLEAN)`,
  );
  await conn.run(`INSERT INTO cache_swap_given_family
    SELECT d.gf, d.fam, coalesce(jaro_winkler_similarity(n.value, t.first) >= 0.92 OR list_contains(t.tokens, n.value), false)
    FROM (
      SELECT DISTINCT r.gf, b.p_fam AS fam FROM pair_base b JOIN req_cmp r USING (row_no) WHERE ${swapPossible}
    ) d JOIN req_names n ON n.h = d.gf JOIN tf_family t ON t.h = d.fam
    ANTI JOIN cache_swap_given_family c ON c.gf = d.gf AND c.fam = d.fam`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE pair_swap AS
    WITH maybe AS (
      SELECT b.row_no, b.tin, r.ff, b.p_gf FROM pair_base b JOIN req_cmp r USING (row_no)
      SEMI JOIN cache_swap_given_family s ON s.gf = r.gf AND s.fam = b.p_fam AND s.swap
      WHERE ${swapPossible}
    ),
    swap_family_given AS (
      SELECT d.ff, d.gf FROM (SELECT DISTINCT ff, p_gf AS gf FROM maybe) d
      JOIN req_names n ON n.h = d.ff JOIN tf_given t ON t.h = d.gf
      LEFT JOIN name_variant_pairs v ON v.name = t.value AND v.variant = n.value
      WHERE jaro_winkler_similarity(n.value, t.value) >= 0.92 OR d.ff = d.gf OR v.name IS NOT NULL
    )
    SELECT row_no, tin FROM maybe SEMI JOIN swap_family_given s ON s.ff = maybe.ff AND s.gf = maybe.p_gf`);

  // Name similarities once per distinct pair of different values (equal values are the top
  // level without them), in each orientation that occurs. The tests on given names, whose
  // pairs recur from chunk to chunk, are kept for the connection (a cache: functions of the two
  // names only), up to CACHE_MAX_ROWS.
  await conn.run(
    `CREATE TEMP TABLE IF NOT EXISTS given_sim (rg_h UBIGINT, pg_h UBIGINT, g_equiv BOOLEAN, g_close BOOLEAN, g_similar BOOLEAN)`,
  );
  await conn.run(`INSERT INTO given_sim
    WITH keys AS (
      SELECT DISTINCT r.gf AS rg_h, b.p_gf AS pg_h FROM pair_base b JOIN req_cmp r USING (row_no)
      WHERE r.gf <> b.p_gf
      UNION
      SELECT DISTINCT r.ff, b.p_gf FROM pair_swap s JOIN pair_base b USING (row_no, tin) JOIN req_cmp r USING (row_no)
      WHERE r.ff <> b.p_gf
    )
    SELECT d.rg_h, d.pg_h, ${GIVEN_PAIR_FEATURES_SQL}
    FROM (SELECT k.rg_h, k.pg_h, n.value AS rg, t.value AS pg FROM keys k
          JOIN req_names n ON n.h = k.rg_h JOIN tf_given t ON t.h = k.pg_h
          ANTI JOIN given_sim c ON c.rg_h = k.rg_h AND c.pg_h = k.pg_h) d
    LEFT JOIN name_info gi_r ON gi_r.name = d.rg LEFT JOIN name_info gi_p ON gi_p.name = d.pg`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE family_sim AS
    WITH keys AS (
      SELECT DISTINCT r.fam AS rf_h, b.p_fam AS pf_h, false AS swapped FROM pair_base b JOIN req_cmp r USING (row_no)
      WHERE r.fam <> b.p_fam
      UNION ALL
      SELECT DISTINCT r.gs, b.p_fam, true FROM pair_swap s JOIN pair_base b USING (row_no, tin) JOIN req_cmp r USING (row_no)
      WHERE r.gs <> b.p_fam
    )
    SELECT rf_h, pf_h, swapped, ${FAMILY_DIFFERENT_PAIR_FEATURES_SQL}
    FROM (SELECT *, CASE WHEN one_token THEN jaro_winkler_similarity(rf, pf) END AS jw_one FROM (
      SELECT d.rf_h, d.pf_h, d.swapped, r.value AS rf, r.tokens AS r_tokens, r.first AS r_first, r.phonetic AS r_phonetic,
        p.value AS pf, p.tokens AS p_tokens, p.first AS p_first, p.phonetic AS p_phonetic, r.one AND p.one AS one_token
      FROM keys d
      JOIN (
        SELECT *, ${familyOneTokenSql('value', 'tokens', 'first')} AS one FROM (
          SELECT h, value, tokens, first, phonetic, false AS swapped FROM req_families
          UNION ALL
          -- The request's given names read as a family name.
          SELECT h, value, string_split(value, ' '), split_part(value, ' ', 1), soundex(split_part(value, ' ', 1)), true FROM req_names)
      ) r ON r.h = d.rf_h AND r.swapped = d.swapped
      JOIN (SELECT h, value, tokens, first, phonetic, ${familyOneTokenSql('value', 'tokens', 'first')} AS one FROM tf_family) p
        ON p.h = d.pf_h
    ))`);

  // Levels (and weights) in one statement: the names oriented per pair, their levels from the
  // packed facts and the similarity tables, the other levels unpacked. The given-name
  // comparison's top level reads `g_exact`, which pair_base evaluated from its expression.
  const swapped = 's.row_no IS NOT NULL';
  const unpack = (k: PairCode, whenSwapped?: PairCode) =>
    whenSwapped === undefined
      ? codeSql('b.codes', k)
      : `CASE WHEN ${swapped} THEN ${codeSql('b.codes', whenSwapped)} ELSE ${codeSql('b.codes', k)} END`;
  const rGiven = `CASE WHEN ${swapped} THEN r.ff ELSE r.gf END`;
  const rFamily = `CASE WHEN ${swapped} THEN r.gs ELSE r.fam END`;
  const givenPacked: Comparison = {
    ...GIVEN,
    levels: GIVEN.levels.map((l) => (l.sql === GIVEN_EXACT_SQL ? { ...l, sql: 'g_exact' } : l)),
  };
  await conn.run(`
    CREATE OR REPLACE TABLE ${target} AS
    WITH oriented AS (
      SELECT b.row_no, b.tin, ${swapped} AS swapped, ${rGiven} AS r_given_first, ${rFamily} AS r_family_std,
        CASE WHEN ${swapped} THEN r.g_swapped_p ELSE r.g_p END AS tf_given_p,
        CASE WHEN ${swapped} THEN r.f_swapped_p ELSE r.f_p END AS tf_family_p,
        b.p_gf AS p_given_first, b.p_fam AS p_family_std, r.rtin AS r_tin, b.tin AS p_tin,
        ${unpack('addr')} % 2 = 1 AS addr_current, ${unpack('suffixPair')} = 1 AS suffix_pair,
        ${unpack('exact', 'exactSwapped')} = 1 AS g_exact,
        ${unpack('middleInitial', 'middleInitialSwapped')} = 1 AS g_middle_initial,
        ${unpack('middleFull', 'middleFullSwapped')} = 1 AS g_middle_full,
        ${unpack('middle')} - 1 AS l_middle, ${unpack('suffix')} AS l_suffix, ${unpack('dob')} - 1 AS l_dob,
        ${unpack('addr')} // 2 AS l_address,
        g.g_equiv, g.g_close, g.g_similar, f.f_subset, f.f_shared, f.f_phonetic
      FROM pair_base b JOIN req_cmp r USING (row_no) LEFT JOIN pair_swap s USING (row_no, tin)
      LEFT JOIN given_sim g ON g.rg_h = ${rGiven} AND g.pg_h = b.p_gf
      LEFT JOIN family_sim f ON f.rf_h = ${rFamily} AND f.pf_h = b.p_fam AND f.swapped = (${swapped})
    ),
    named AS (
      -- Equal names are the top levels without a test (the similarity tables hold different ones).
      SELECT * REPLACE (
        CASE WHEN r_given_first = p_given_first THEN true ELSE g_equiv END AS g_equiv,
        CASE WHEN r_given_first = p_given_first THEN true ELSE g_close END AS g_close,
        CASE WHEN r_given_first = p_given_first THEN true ELSE g_similar END AS g_similar)
      FROM oriented
    ),
    leveled AS (
      SELECT *, ${levelSql(givenPacked)} AS l_given, ${levelSql(FAMILY)} AS l_family FROM named
    ),
    flagged AS (
      SELECT *, (r_tin IS NOT NULL AND r_tin = p_tin AND (l_given = 0 OR l_family = 0)) AS tin_name_conflict FROM leveled
    ),
    pair_levels AS (
      SELECT row_no, tin, swapped, addr_current, suffix_pair, tf_given_p, tf_family_p,
        ${COMPARISONS.map((c) => (c.id === 'tin' ? `${levelSql(c)} AS l_tin` : `l_${c.id}`)).join(', ')}
      FROM flagged
    )
    ${score ? scoreSql('pair_levels', score) : 'SELECT * FROM pair_levels'}`);
  await conn.run(
    'DROP TABLE req_cmp; DROP TABLE req_names; DROP TABLE req_families; DROP TABLE pair_base; DROP TABLE pair_swap; DROP TABLE family_sim',
  );
  for (const cache of ['given_sim', 'cache_swap_given_family'])
    if ((await queryValue<number>(conn, `SELECT count(*) FROM ${cache}`)) > CACHE_MAX_ROWS)
      await conn.run(`DROP TABLE ${cache}`);
}

/**
 * Lookup by given-name value: its formal names and its variants (every nickname of those
 * formals), from the standardiser's reference tables. Built once per connection.
 */
export async function ensureNameInfo(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS name_info AS
    WITH names AS (SELECT formal AS name, formal FROM std_nickname_edges UNION SELECT nick, formal FROM std_nickname_edges),
    v AS (
      SELECT n.name, e.nick AS v FROM names n JOIN std_nickname_edges e ON e.formal = n.formal
      UNION SELECT name, formal FROM names
      UNION SELECT name, name FROM names
    ),
    variants AS (SELECT name, list_sort(list(DISTINCT v)) AS variants FROM v GROUP BY name)
    SELECT coalesce(f.name, v.name) AS name, coalesce(f.formals, [coalesce(f.name, v.name)]) AS formals,
           coalesce(v.variants, [coalesce(f.name, v.name)]) AS variants
    FROM std_given_formals f FULL JOIN variants v ON v.name = f.name`);
  // The same as (name, one of its variants) pairs, for a join instead of a list per pair.
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS name_variant_pairs AS
    SELECT DISTINCT name, unnest(variants) AS variant FROM name_info`);
}

/** Column names of the level columns, in comparison order. */
export const LEVEL_COLUMNS = COMPARISONS.map((c) => `l_${c.id}`);
