/**
 * The comparisons of the Fellegi–Sunter matcher: for each field, graded levels from
 * "different" (0) up to "exact" (highest), and -1 for "missing" (no evidence either way).
 * Each level is a SQL condition over one candidate pair, with request columns prefixed `r_`
 * and master-person columns prefixed `p_` (pair-levels-reference.ts); the first level
 * whose condition holds, from the top, is the pair's level.
 *
 * This SQL is the specification: the reference implementation (pair-levels-reference.ts) runs
 * it, and the native kernel (native/src/compare.cc) computes the same levels in one pass over
 * the pairs; tests hold the two equal on every pair of a synthetic batch.
 *
 * Name origin is never a feature (rules section E): names are compared as strings, through
 * equivalence lists and phonetic codes, the same way for every name.
 */
export interface ComparisonLevel {
  readonly label: string;
  /** SQL condition; levels are tried from the last (best) to the first. */
  readonly sql: string;
  /** Term-frequency adjusted: u is replaced by the frequency of the pair's value in the master. */
  readonly tf?: 'given' | 'family' | undefined;
}

export interface Comparison {
  readonly id: string;
  readonly label: string;
  /** Condition under which the comparison is missing (-1). */
  readonly missing: string;
  /** Levels in increasing order of agreement; index = level number. */
  readonly levels: readonly ComparisonLevel[];
}

const jw = (a: string, b: string) => `jaro_winkler_similarity(${a}, ${b})`;

/** A date as the integer YYYYMMDD (birth dates are compared in this form: integer arithmetic). */
export function dateYmdSql(x: string): string {
  return `(year(${x}) * 10000 + month(${x}) * 100 + day(${x}))`;
}

/**
 * Whether two dates given as integers YYYYMMDD are one edit apart (Damerau–Levenshtein
 * distance 1 on the eight digits: one digit substituted, or two adjacent digits transposed), in
 * integer arithmetic: the same answer as `damerau_levenshtein` on the text for four-digit years,
 * several times faster (it runs on most candidate pairs).
 */
export function dateDigitsOneEditSql(A: string, B: string): string {
  const digit = (x: string, i: number) => `((${x} // ${10 ** i}) % 10)`;
  const differing = Array.from({ length: 8 }, (_, i) => `(${digit(A, i)} <> ${digit(B, i)})::INTEGER`).join(
    ' + ',
  );
  const transposed = Array.from(
    { length: 7 },
    (_, i) =>
      `(${digit(A, i)} = ${digit(B, i + 1)} AND ${digit(A, i + 1)} = ${digit(B, i)} AND ${digit(A, i)} <> ${digit(A, i + 1)})`,
  ).join(' OR ');
  return `(CASE ${differing} WHEN 1 THEN true WHEN 2 THEN (${transposed}) ELSE false END)`;
}

const year = (x: string) => `(${x} // 10000)`;
const month = (x: string) => `((${x} // 100) % 100)`;
const day = (x: string) => `(${x} % 100)`;

export const COMPARISONS: readonly Comparison[] = [
  {
    id: 'given',
    label: 'Given name',
    missing: 'r_given_first IS NULL OR p_given_first IS NULL',
    // g_similar, g_close, g_equiv: computed once per distinct pair of names (GIVEN_PAIR_FEATURES_SQL);
    // g_middle_initial: the taxpayer's middle name is one letter, the request's given name's
    // initial; g_middle_full: the request's given name (longer than a letter) is the
    // taxpayer's middle name (GIVEN_MIDDLE_SQL).
    levels: [
      { label: 'different', sql: 'true' },
      {
        label: 'similar, initial, or the middle name',
        sql: 'g_similar OR g_middle_initial',
      },
      {
        label: 'close spelling (of the name or a nickname), or the full middle name',
        sql: 'g_close OR g_middle_full',
      },
      { label: 'equivalent (nickname, or first of several given names)', sql: 'g_equiv' },
      {
        label: "exact (the whole given name, or the rest is the other side's middle name)",
        sql: `r_given_first = p_given_first AND (r_given_rest IS NOT DISTINCT FROM p_given_rest
          OR (p_given_rest IS NULL AND r_given_rest = p_middle_std) OR (r_given_rest IS NULL AND p_given_rest = r_middle_std))`,
        tf: 'given',
      },
    ],
  },
  {
    id: 'family',
    label: 'Family name',
    missing: 'r_family_std IS NULL OR p_family_std IS NULL',
    // f_phonetic, f_shared, f_subset: computed once per distinct pair of names (FAMILY_PAIR_FEATURES_SQL).
    levels: [
      { label: 'different', sql: 'true' },
      { label: 'phonetic or Jaro-Winkler >= 0.8', sql: 'f_phonetic' },
      { label: 'a shared token or Jaro-Winkler >= 0.92', sql: 'f_shared' },
      { label: 'token subset (one of two names)', sql: 'f_subset' },
      { label: 'exact', sql: 'r_family_std = p_family_std', tf: 'family' },
    ],
  },
  {
    id: 'middle',
    label: 'Middle name',
    missing: 'r_middle_initial IS NULL OR p_middle_initial IS NULL',
    levels: [
      { label: 'different', sql: 'true' },
      { label: 'same initial', sql: 'r_middle_initial = p_middle_initial' },
      { label: 'exact', sql: 'r_middle_std = p_middle_std' },
    ],
  },
  {
    id: 'suffix',
    label: 'Name suffix (Jr/Sr)',
    missing: 'false',
    levels: [
      { label: 'conflict', sql: 'true' },
      { label: 'on one side only', sql: 'r_suffix IS NULL OR p_suffix IS NULL' },
      { label: 'same (or none on both)', sql: 'r_suffix IS NOT DISTINCT FROM p_suffix' },
    ],
  },
  {
    id: 'dob',
    label: 'Date of birth',
    // r_dob, p_dob: the dates as integers YYYYMMDD (dateYmdSql).
    missing: 'r_dob IS NULL OR p_dob IS NULL',
    levels: [
      { label: 'different', sql: 'true' },
      { label: 'same year', sql: `${year('r_dob')} = ${year('p_dob')}` },
      {
        label: 'year ±1 or day off',
        sql: `(r_dob % 10000 = p_dob % 10000 AND abs(${year('r_dob')} - ${year('p_dob')}) = 1) OR r_dob // 100 = p_dob // 100`,
      },
      {
        // A typo, not a generation: 1958 against 1988 is one digit too, and is a father and son.
        label: 'one digit off (year within one)',
        sql: `CASE WHEN abs(${year('r_dob')} - ${year('p_dob')}) > 1 THEN false ELSE ${dateDigitsOneEditSql('r_dob', 'p_dob')} END`,
      },
      {
        label: 'day and month swapped',
        sql: `${year('r_dob')} = ${year('p_dob')} AND ${month('r_dob')} = ${day('p_dob')} AND ${day('r_dob')} = ${month('p_dob')}`,
      },
      { label: 'exact', sql: 'r_dob = p_dob' },
    ],
  },
  {
    id: 'address',
    label: 'Address (best of the addresses of record)',
    missing: 'addr_level IS NULL',
    levels: [
      { label: 'different', sql: 'addr_level = 0' },
      { label: 'same ZIP', sql: 'addr_level = 1' },
      { label: 'same street, number or locality differs', sql: 'addr_level = 2' },
      { label: 'same number and street, formatting differs', sql: 'addr_level = 3' },
      { label: 'same normalised address', sql: 'addr_level = 4' },
    ],
  },
  {
    id: 'tin',
    label: 'TIN (supplied by the requester)',
    missing: 'r_tin IS NULL',
    levels: [
      { label: 'different', sql: 'true' },
      { label: 'same TIN, name does not agree (rule C4)', sql: 'r_tin = p_tin AND tin_name_conflict' },
      { label: 'same TIN', sql: 'r_tin = p_tin AND NOT tin_name_conflict' },
    ],
  },
];

/** Given names after the first (MARIA *GUADALUPE* → GUADALUPE), NULL when there are none. */
export function givenRestSql(givenStd: string, givenFirst: string): string {
  return `nullif(trim(substr(${givenStd}, length(${givenFirst}) + 1)), '')`;
}

/** Address levels that corroborate the request (rule C1): the address agrees with an address of record. */
export const ADDRESS_CORROBORATING_LEVEL = 3;

/** SQL expression giving the level of comparison `c` for a pair. */
export function levelSql(c: Comparison): string {
  const whens = c.levels
    .map((l, i) => ({ l, i }))
    .reverse()
    .map(({ l, i }) => `WHEN ${l.sql} THEN ${i}`)
    .join(' ');
  return `CASE WHEN ${c.missing} THEN -1 ${whens} END`;
}

/**
 * The address level of a request against one master address row, given how to test each
 * field for equality (`eq`: house, street, zip, locality — city and state — and key, the whole
 * normalised address) and the two street names as text (for the spelling test). The pair's
 * address level is the best over all of the taxpayer's addresses of record, current or earlier.
 */
export function addressLevelSql(
  eq: (field: 'key' | 'house' | 'street' | 'zip' | 'locality') => string,
  rStreet: string,
  aStreet: string,
): string {
  return `CASE
  WHEN ${eq('key')} THEN 4
  WHEN ${eq('house')} AND ${eq('street')} AND (${eq('zip')} OR ${eq('locality')}) THEN 3
  WHEN ${eq('house')} AND ${eq('zip')}
       AND (jaro_winkler_similarity(${rStreet}, ${aStreet}) >= 0.9
         OR (abs(length(${rStreet}) - length(${aStreet})) <= 1 AND damerau_levenshtein(${rStreet}, ${aStreet}) <= 1)) THEN 3
  WHEN (${eq('house')} AND ${eq('street')}) OR (${eq('street')} AND ${eq('zip')}) THEN 2
  WHEN ${eq('zip')} THEN 1
  ELSE 0 END`;
}

/**
 * `addressLevelSql` over text columns `r_*` (request) and `a_*` (address of record): the
 * readable form, used by the reference implementation the encoded one is tested against.
 */
export const ADDRESS_LEVEL_SQL = addressLevelSql(
  (f) =>
    ({
      key: 'r_addr_key IS NOT NULL AND r_addr_key = a_addr_key',
      house: 'r_house_number = a_house_number',
      street: 'r_street_name = a_street_name',
      zip: 'r_zip5 = a_zip5',
      locality: '(r_city_std = a_city_std AND r_state_std = a_state_std)',
    })[f],
  'r_street_name',
  'a_street_name',
);

/**
 * Name similarities that depend only on the two names, computed once per distinct pair of
 * values (far fewer than candidate pairs), over `gpairs(rg, pg)` with name lookups `gi_r`,
 * `gi_p` (formals, variants) and `fpairs(rf, pf, swapped)` with token lookups.
 */
export const GIVEN_PAIR_FEATURES_SQL = `
  (rg = pg OR len(list_intersect(coalesce(gi_r.formals, [rg]), coalesce(gi_p.formals, [pg]))) > 0) AS g_equiv,
  (list_max(list_transform(coalesce(gi_p.variants, [pg]), v -> ${jw('rg', 'v')})) >= 0.92
    OR (length(rg) >= 4 AND damerau_levenshtein(rg, pg) <= 1)) AS g_close,
  (${jw('rg', 'pg')} >= 0.8 OR ((length(rg) = 1 OR length(pg) = 1) AND rg[1] = pg[1])) AS g_similar`;

const FAMILY_SUBSET = '(list_has_all(p_tokens, r_tokens) OR list_has_all(r_tokens, p_tokens))';
const FAMILY_SHARED = `(len(list_intersect(r_tokens, p_tokens)) > 0 OR ${jw('rf', 'pf')} >= 0.92)`;
const FAMILY_PHONETIC = `(r_phonetic = p_phonetic OR ${jw('r_first', 'p_first')} >= 0.8)`;

export const FAMILY_PAIR_FEATURES_SQL = `
  ${FAMILY_SUBSET} AS f_subset,
  ${FAMILY_SHARED} AS f_shared,
  ${FAMILY_PHONETIC} AS f_phonetic`;
