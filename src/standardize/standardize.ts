import type { DuckDBConnection } from '@duckdb/node-api';
import { CustodianError } from '../core/errors.js';
import { queryRows, sqlIdent } from '../store/duckdb.js';
import { ROUTE_SUFFIXES, sqlTuple } from './macros.js';

export const STANDARDIZER_VERSION = 'std/2';

/** The standardised columns common to requests and master, in output order. */
export const STANDARD_COLUMNS = [
  'given_std',
  'given_first',
  'given_formals',
  'middle_std',
  'middle_initial',
  'family_std',
  'family_tokens',
  'family_first',
  'family_phonetic',
  'name_suffix_std',
  'dob',
  'dob_year',
  'dob_month',
  'dob_day',
  'house_number',
  'street_predir',
  'street_name',
  'street_suffix',
  'street_postdir',
  'street_std',
  'unit_std',
  'city_std',
  'state_std',
  'zip5',
  'zip3',
  'addr_key',
  'tin_std',
] as const;

interface Kind {
  /** Key columns copied through (besides row_no), as `SELECT` items over the source. */
  readonly keys: readonly { readonly column: string; readonly expr: (present: boolean) => string }[];
  /** Extra output items of the final select (over `j`, the joined row, and the kind's joins). */
  readonly extra: readonly string[];
  /** Extra WITH items (`input`: a raw column as text; `S`: the source as `src`). */
  readonly ctes?: (
    input: (c: string) => string,
    S: string,
    present: ReadonlySet<string>,
  ) => readonly string[];
  /** Extra joins to the joined row `j` in the final select. */
  readonly joins?: readonly string[];
}

const REQUESTS: Kind = {
  keys: [{ column: 'request_id', expr: () => 'CAST(src.request_id AS VARCHAR) AS request_id' }],
  extra: [],
};

const MASTER: Kind = {
  keys: [
    { column: 'tin', expr: () => 'CAST(src.tin AS VARCHAR) AS tin' },
    {
      column: 'address_tax_year',
      expr: (present) =>
        present
          ? 'TRY_CAST(trim(CAST(src.address_tax_year AS VARCHAR)) AS INTEGER) AS address_tax_year'
          : 'CAST(NULL AS INTEGER) AS address_tax_year',
    },
  ],
  extra: ['cur.cur_row IS NOT NULL AS is_current'],
  // A taxpayer's current row: the latest tax year (a row without one comes last), then the
  // latest row. Found by an aggregate over three narrow columns and joined back: a window over
  // the standardised rows would sort every wide row (measured: a fifth of the statement's time).
  ctes: (input, S, present) => [
    `cur AS (
  SELECT arg_max(row_no, CASE WHEN y IS NULL THEN 0 ELSE y::HUGEINT + 2147483649 END * 18446744073709551616::HUGEINT
      + (row_no::HUGEINT + 9223372036854775808::HUGEINT)) AS cur_row
  FROM (SELECT src.row_no, coalesce(std_tin(${input('tin')}), ${input('tin')}) AS k,
          ${present.has('address_tax_year') ? 'TRY_CAST(trim(CAST(src.address_tax_year AS VARCHAR)) AS INTEGER)' : 'CAST(NULL AS INTEGER)'} AS y
        FROM ${S})
  GROUP BY k)`,
  ],
  joins: ['LEFT JOIN cur ON cur.cur_row = j.row_no'],
};

/** Quotes a table name, schema-qualified or not ("main.requests" → "main"."requests"). */
function tableIdent(name: string): string {
  return name.split('.').map(sqlIdent).join('.');
}

async function sourceColumns(conn: DuckDBConnection, source: string): Promise<Set<string>> {
  const rows = await queryRows<{ column_name: string }>(conn, `DESCRIBE ${tableIdent(source)}`);
  return new Set(rows.map((r) => r.column_name));
}

/**
 * The one statement that builds `target` from `source`. Input columns (given_name … tin) that
 * the source lacks are read as NULL.
 */
function standardizeSql(source: string, target: string, kind: Kind, present: ReadonlySet<string>): string {
  const input = (c: string) =>
    present.has(c) ? `CAST(src.${sqlIdent(c)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)';
  const keyItems = kind.keys.map((k) => k.expr(present.has(k.column)));
  const keyNames = kind.keys.map((k) => k.column);
  const routes = sqlTuple(ROUTE_SUFFIXES);
  const S = `${tableIdent(source)} AS src`;
  const extraCtes = kind.ctes?.(input, S, present) ?? [];
  return `CREATE OR REPLACE TABLE ${tableIdent(target)} AS
WITH
${extraCtes.map((c) => `${c},\n`).join('')}-- Names are standardised once per distinct raw value, then joined back: a master of hundreds of
-- millions of rows has only a few million distinct given and family names.
fam_v AS (SELECT DISTINCT ${input('family_name')} AS raw FROM ${S}),
fam_1 AS (SELECT raw, std_clean(raw) AS f0 FROM fam_v WHERE raw IS NOT NULL),
fam_2 AS (SELECT *, std_last_word(f0) AS f_last FROM fam_1),
fam_3 AS (SELECT *, std_suffix_word(f_last, true) AS f_sfx FROM fam_2),
fam_4 AS (SELECT *, CASE WHEN f_sfx IS NULL THEN f0 ELSE std_drop_last_word(f0) END AS family_std FROM fam_3),
fam_5 AS (SELECT *, string_split(std_family_glue(family_std), ' ') AS f_toks FROM fam_4),
fam_6 AS (SELECT *, std_drop_particles(family_std, f_toks) AS f_kept FROM fam_5),
fam_7 AS (SELECT *, std_list_dedupe(f_kept) AS family_tokens FROM fam_6),
fam_8 AS (SELECT *, family_tokens[1] AS family_first FROM fam_7),
fam AS (
  SELECT raw, f_sfx, family_std, family_tokens, family_first,
    std_soundex_letters(regexp_replace(family_first, '[^A-Z]', '', 'g')) AS family_phonetic
  FROM fam_8),
giv_v AS (SELECT DISTINCT ${input('given_name')} AS raw FROM ${S}),
giv_1 AS (SELECT raw, std_clean(raw) AS g0 FROM giv_v WHERE raw IS NOT NULL),
giv_2 AS (SELECT *, std_last_word(g0) AS g_last FROM giv_1),
giv_3 AS (SELECT *, std_suffix_word(g_last, false) AS g_sfx FROM giv_2),
giv_4 AS (SELECT *, CASE WHEN g_sfx IS NULL THEN g0 ELSE std_drop_last_word(g0) END AS given_std FROM giv_3),
giv_5 AS (SELECT *, split_part(given_std, ' ', 1) AS given_first FROM giv_4),
giv AS (
  SELECT g.raw, g.g_sfx, g.given_std, g.given_first,
    CASE WHEN g.given_first IS NOT NULL THEN coalesce(f.formals, [g.given_first]) END AS given_formals
  FROM giv_5 AS g LEFT JOIN std_given_formals AS f ON f.name = g.given_first),
-- Everything else row by row, except the street and unit, which are parsed once per distinct
-- raw pair (a household shares one) and joined back.
r0 AS (
  SELECT src.row_no, ${keyItems.join(', ')},
    ${input('given_name')} AS raw_g,
    ${input('family_name')} AS raw_f,
    std_clean(${input('middle_name')}) AS m0,
    std_clean(${input('name_suffix')}) AS x0,
    std_clean(${input('city')}) AS c0,
    std_clean(${input('state')}) AS st0,
    std_dob(${input('date_of_birth')}) AS dob,
    ${input('street')} AS raw_s,
    ${input('unit')} AS raw_u,
    std_zip5(${input('zip')}) AS zip5,
    std_tin(${input('tin')}) AS tin_std
  FROM ${S}),
rr1 AS (
  SELECT *,
    std_suffix_word(m0, false) AS m_sfx,
    std_suffix_field(x0) AS x_sfx,
    CASE WHEN std_city_needs_words(c0) THEN std_city_words(c0) ELSE c0 END AS city_std
  FROM r0),
rr2 AS (SELECT *, CASE WHEN m_sfx IS NULL THEN m0 END AS middle_std FROM rr1),
rr3 AS (SELECT *, left(middle_std, 1) AS middle_initial FROM rr2),
addr_v AS (SELECT DISTINCT ${input('street')} AS raw_s, ${input('unit')} AS raw_u FROM ${S}),
r1 AS (
  SELECT raw_s, raw_u, std_addr_fold(raw_s) AS a0, raw_u AS u_in FROM addr_v),
r1b AS (SELECT *, CASE WHEN std_unit_tail(a0) THEN std_unit_split(a0) END AS a_split FROM r1),
r2 AS (
  SELECT *,
    coalesce(a_split.street, a0) AS sp,
    a_split.unit AS unit_part
  FROM r1b),
r3 AS (SELECT *, std_house_raw(sp) AS h_raw FROM r2),
r4 AS (
  SELECT *,
    std_house_number(h_raw) AS house_number,
    std_street_rest(substr(sp, length(h_raw) + 1)) AS rest0
  FROM r3),
r4b AS (SELECT *, std_glue_ordinals(rest0) AS rest FROM r4),
r5 AS (SELECT *, CASE WHEN rest <> '' THEN string_split(rest, ' ') END AS toks FROM r4b),
r6 AS (SELECT *, len(toks) AS nt, toks[-1] AS l1, toks[-2] AS l2, toks[1] AS f1 FROM r5),
r7 AS (SELECT *, std_dir(l1) AS l1_dir, regexp_matches(l1, '[0-9]') AS l1_digit FROM r6),
-- The street suffix is the last word, or the one before it when the last is a directional or
-- a number: one lookup, on the candidate.
r8 AS (SELECT *, coalesce(nt >= 2 AND (l1_dir IS NOT NULL OR l1_digit), false) AS cand_l2 FROM r7),
r9 AS (
  SELECT r8.*, sx.abbr AS cand_sfx
  FROM r8 LEFT JOIN std_street_suffixes AS sx ON sx.word = CASE WHEN r8.cand_l2 THEN r8.l2 ELSE r8.l1 END),
r10 AS (
  SELECT *,
    coalesce(nt >= 2 AND l1_dir IS NOT NULL, false) AS has_post,
    coalesce(NOT (nt >= 2 AND l1_dir IS NOT NULL) AND nt >= 3 AND l1_digit AND cand_sfx NOT IN ${routes}, false)
      AS has_tunit
  FROM r9),
r11 AS (SELECT *, nt - CAST(has_post OR has_tunit AS INTEGER) AS n2 FROM r10),
r12 AS (
  SELECT *, CASE WHEN n2 >= 2 AND (has_post OR has_tunit) = cand_l2 THEN cand_sfx END AS street_suffix
  FROM r11),
r13 AS (
  SELECT *,
    n2 - CAST(street_suffix IS NOT NULL AS INTEGER) AS n3,
    CASE WHEN has_post THEN l1_dir END AS street_postdir,
    CASE WHEN has_tunit THEN l1 END AS t_unit
  FROM r12),
r14 AS (SELECT *, CASE WHEN n3 >= 2 THEN std_dir(f1) END AS street_predir FROM r13),
r15 AS (
  SELECT *,
    std_street_words(toks[1 + CAST(street_predir IS NOT NULL AS INTEGER):n3]) AS name_words,
    std_unit_id(u_in) AS uid_f,
    std_unit_id(unit_part) AS uid_s,
    std_unit_id(t_unit) AS uid_t
  FROM r14),
r16 AS (
  SELECT *,
    std_street_name_fix(name_words, street_suffix) AS street_name,
    coalesce(std_unit_ok(uid_f), std_unit_bare(u_in), std_unit_ok(uid_s), std_unit_bare(unit_part),
      std_unit_ok(uid_t)) AS unit_std
  FROM r15),
r17 AS (
  SELECT *, nullif(concat_ws(' ', street_predir, street_name, street_suffix, street_postdir), '') AS street_std
  FROM r16),
addr AS (
  SELECT raw_s, raw_u, house_number, street_predir, street_name, street_suffix, street_postdir, street_std, unit_std
  FROM r17),
joined AS (
  SELECT rr3.*,
    addr.house_number, addr.street_predir, addr.street_name, addr.street_suffix, addr.street_postdir,
    addr.street_std, addr.unit_std,
    giv.given_std, giv.given_first, giv.given_formals, giv.g_sfx,
    fam.family_std, fam.family_tokens, fam.family_first, fam.family_phonetic, fam.f_sfx,
    ss.code AS state_std
  FROM rr3
  LEFT JOIN addr ON addr.raw_s IS NOT DISTINCT FROM rr3.raw_s AND addr.raw_u IS NOT DISTINCT FROM rr3.raw_u
  LEFT JOIN giv ON giv.raw = rr3.raw_g
  LEFT JOIN fam ON fam.raw = rr3.raw_f
  LEFT JOIN std_states AS ss ON ss.alias = rr3.st0)
SELECT
  row_no, ${keyNames.map(sqlIdent).join(', ')},
  given_std, given_first, given_formals,
  middle_std, middle_initial,
  family_std, family_tokens, family_first, family_phonetic,
  coalesce(x_sfx, f_sfx, g_sfx, m_sfx) AS name_suffix_std,
  dob, CAST(year(dob) AS INTEGER) AS dob_year, CAST(month(dob) AS INTEGER) AS dob_month,
  CAST(day(dob) AS INTEGER) AS dob_day,
  house_number, street_predir, street_name, street_suffix, street_postdir, street_std,
  unit_std, nullif(city_std, '') AS city_std, state_std, zip5, left(zip5, 3) AS zip3,
  house_number || ' ' || street_std || ' ' || zip5 AS addr_key,
  tin_std${kind.extra.map((e) => `,\n  ${e}`).join('')}
FROM joined AS j${(kind.joins ?? []).map((x) => `\n${x}`).join('')}`;
}

async function run(conn: DuckDBConnection, source: string, target: string, kind: Kind): Promise<void> {
  const present = await sourceColumns(conn, source);
  const required = [
    'row_no',
    ...kind.keys.filter((k) => k.column !== 'address_tax_year').map((k) => k.column),
  ];
  const missing = required.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new CustodianError(
      'CUS_INTERNAL',
      `standardize: table ${source} lacks column(s) ${missing.join(', ')} (ingest should have added them)`,
    );
  }
  await conn.run(standardizeSql(source, target, kind, present));
}

/** target := standardised rows of source (a request batch table). */
export async function standardizeRequests(
  conn: DuckDBConnection,
  source: string,
  target: string,
): Promise<void> {
  await run(conn, source, target, REQUESTS);
}

/** target := standardised rows of source (a master extract table, one row per address of record). */
export async function standardizeMaster(
  conn: DuckDBConnection,
  source: string,
  target: string,
): Promise<void> {
  await run(conn, source, target, MASTER);
}
